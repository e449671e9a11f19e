import { SETTING_APPROVALS_CHANNEL, type ApprovalRouter } from './approvalRouting';
import type { Capabilities } from '../directory/capabilities';
import type { Clock } from '../platform/clock';
import type { AppRoleChoice, DirectoryCatalog } from '../directory/directoryCatalog';
import type { GraphDirectory } from '../directory/graphDirectory';
import type { Announcements } from './announcements';
import { toGraphFailure } from '../directory/graphErrors';
import { domainOf, emptyInviteForm, normaliseEmail, type FieldErrors, type InviteFormValues } from './inviteValidation';
import type { Logger } from '../platform/logger';
import type { AccessRequest, AuditEntry, Decision, InviteDetails, NamedRef, Person, RequestKind } from './model';
import { describeWait, type PersonLimits } from '../platform/rateLimits';
import type { RoleService } from '../directory/roles';
import { describeRefusals, type RequestPolicy } from './requestPolicy';
import type { RequestValidator } from './requestValidator';
import type { Store } from '../store/store';
import { accessChoice, checkAccessUntil, type AccessPeriodChoice, type AccessPeriodSettings } from '../lifecycle/accessPeriod';
import { stageLabel, type ApprovalStages } from './policies/approvalStages';
import type { PolicyQuestion } from './policies/policyFile';
import { PolicyBook, subjectOf } from './policies/policyMatching';
import { PolicyInspector, type PoliciesView } from './policies/policyInspector';
import type { AdminOutcome } from '../guests/guestModel';
import { checkAnswers, MAX_ANSWER } from './policies/questions';
import type { ApprovalProgress, StageApproval } from './model';

export type WorkflowDirectory = Pick<GraphDirectory, 'findUsersByEmail' | 'countGuestsFromDomain'>;

/** What a request form needs to render: the values typed, problems found and the choices offered. */
export interface InviteForm {
  kind: RequestKind;
  values: InviteFormValues;
  errors: FieldErrors;
  formError?: string;
  groupChoices: NamedRef[];
  groupSearch: boolean;
  roleChoices: NamedRef[];
  /** Application-and-role pairs; with `appSearch` the field also searches as the user types. */
  appChoices: AppRoleChoice[];
  appSearch: boolean;
  /** The guest chosen on the app access form, so it shows again when the form comes back. */
  guestChoices: NamedRef[];
  /** The end dates the form allows today, and the one it suggests. */
  accessPeriod: AccessPeriodChoice;
  /** The questions of the policy the request falls under (or, on a new form, of the policies every request of the kind falls under). */
  questions: PolicyQuestion[];
  /** Problems with the answers, by question id. */
  questionErrors: Record<string, string>;
}

export type SubmitResult = { ok: false; form: InviteForm } | { ok: true; request: AccessRequest; approversReached: number; selfService?: boolean };

export type DecisionResult =
  /** `stage`: under a policy, the stage (0-based) the decision was about, so the clicked card shows that stage. */
  | { kind: 'decided'; request: AccessRequest; stage?: number }
  | { kind: 'alreadyDecided'; request: AccessRequest }
  | { kind: 'notFound' }
  | { kind: 'forbidden'; message: string }
  /** The click's input was not acceptable: the deny reason, or the end date an approver chose. */
  | { kind: 'invalid'; message: string; request: AccessRequest; field?: 'reason' | 'accessUntil' }
  /** Approving is refused because today's policy no longer allows what the request asks; denying stays possible. */
  | { kind: 'refusedByPolicy'; message: string; request: AccessRequest };

/** Where the workflow hands approved work to the execution worker. */
export interface WorkQueue {
  poke(): void;
}

/** Who "decided" a request that a policy approved; audited under this id. */
export const SELF_SERVICE_POLICY: Person = { aadObjectId: 'policy:app-owners-self-service', name: "the app owners' self-service policy" };

const MAX_REASON = 500;
const LIST_LIMIT = 20;

/**
 * The request state machine and its rules: who may file, approve, deny and cancel, what is checked
 * before anyone is bothered, and who hears about each step. Bot code calls it with the acting
 * person taken from the activity, never from card data.
 */
export class RequestWorkflow {
  constructor(
    private readonly deps: {
      store: Store;
      directory: WorkflowDirectory;
      catalog: DirectoryCatalog;
      validator: RequestValidator;
      router: ApprovalRouter;
      policy: Pick<RequestPolicy, 'refusals'>;
      roles: RoleService;
      /** Who hears about decisions and cancellations, written with each transition. */
      announcements: Announcements;
      /** How many requests a person may file; a runaway client must not flood the approvers. */
      limits: Pick<PersonLimits, 'fileRequest'>;
      queue: WorkQueue;
      clock: Clock;
      newId: () => string;
      capabilities: Capabilities;
      logger: Logger;
      /** How long access may last: the forms' date, and how far an approver may move it. */
      access: AccessPeriodSettings;
      /** The approval policies (POLICIES_PATH) and their stages; without them every request has today's single stage. */
      policies?: { book: PolicyBook; stages: ApprovalStages };
    },
  ) {}

  /** The empty form (or pre-filled with an address typed after `invite`); FeatureOff when inviting is off. */
  async openInviteForm(prefillEmail = ''): Promise<InviteForm> {
    this.deps.capabilities.require('invite');
    return this.formWith('invite', emptyInviteForm(prefillEmail.trim()), {}, { groups: [] });
  }

  /** Typeahead for the groups field. */
  searchGroups(text: string): Promise<NamedRef[]> {
    return this.deps.catalog.searchGroups(text, 25);
  }

  /** The app access form (pre-filled with a guest or a new address typed after `request app`); FeatureOff when app access is off. */
  async openAppAccessForm(prefill = ''): Promise<InviteForm> {
    this.deps.capabilities.require('appAccess');
    const values = emptyInviteForm();
    const chosen: { groups: NamedRef[]; guest?: NamedRef } = { groups: [] };
    const email = normaliseEmail(prefill.split(' ')[0] ?? '');
    if (email) {
      const guest = (await this.deps.directory.findUsersByEmail(email).catch(() => [])).find((u) => u.userType === 'Guest');
      if (guest) {
        values.guestId = guest.id;
        chosen.guest = { id: guest.id, displayName: guest.mail ? `${guest.displayName} (${guest.mail})` : guest.displayName };
      } else values.email = email;
    }
    return this.formWith('appAccess', values, {}, chosen);
  }

  /** Typeahead for the guest field of the app access form. */
  searchGuests(text: string): Promise<NamedRef[]> {
    return this.deps.catalog.searchGuests(text, 25);
  }

  /** Typeahead for the application field: one result per app and role. */
  searchAppRoles(text: string): Promise<AppRoleChoice[]> {
    return this.deps.catalog.searchAppRoles(text, 25);
  }

  submitInvite(actor: Person, tenantId: string, values: InviteFormValues, source: string): Promise<SubmitResult> {
    return this.submit(actor, tenantId, 'invite', values, source);
  }

  /**
   * Checks the form, stores the request, and asks the right people. An app owner's request for
   * their own app is approved by policy when the admins turned that on.
   */
  async submit(actor: Person, tenantId: string, kind: RequestKind, values: InviteFormValues, source: string): Promise<SubmitResult> {
    const { store, validator, router } = this.deps;
    this.deps.capabilities.require(kind === 'invite' ? 'invite' : 'appAccess');
    const checked = await validator.check(kind, values);
    if (!checked.ok) {
      const formError = checked.graphProblem ? `Your request was not sent: ${checked.graphProblem}` : undefined;
      return { ok: false, form: await this.formWith(kind, values, checked.errors, checked.chosen, formError) };
    }
    // The sponsor is the requester unless the form named a colleague.
    const details: InviteDetails = { ...checked.details, sponsor: checked.details.sponsor ?? actor };
    const matched = this.deps.policies?.book.match(subjectOf({ kind, details }));
    if (matched && matched.policy.questions.length > 0) {
      const answered = checkAnswers(matched.policy.questions, values.answers ?? {});
      if (!answered.ok) {
        const formError = `Your request falls under the policy "${matched.policy.name}": answer its questions below.`;
        const form = await this.formWith(
          kind,
          values,
          {},
          { groups: details.groups, guest: chosenGuest(kind, values, details) },
          formError,
          matched.policy.questions,
        );
        return { ok: false, form: { ...form, questionErrors: answered.errors } };
      }
      if (answered.answers.length > 0) details.answers = answered.answers;
    }
    // Counted only once the form is valid: a person correcting their form is not filing anything.
    const allowance = await this.deps.limits.fileRequest(actor.aadObjectId);
    if (!allowance.allowed) {
      this.deps.logger.warn({ actor: actor.aadObjectId, retryAfterMs: allowance.retryAfterMs }, 'request limit reached');
      const formError =
        `Your request was not sent: you have filed ${allowance.limit} requests within an hour, the most one person may. ` +
        `Everything you typed is kept; send it again in ${describeWait(allowance.retryAfterMs)}.`;
      return { ok: false, form: await this.formWith(kind, values, {}, { groups: details.groups, guest: chosenGuest(kind, values, details) }, formError) };
    }
    const createdAt = this.deps.clock.now().toISOString();
    const approval = await this.deps.policies?.stages.begin(kind, actor, details, createdAt);
    if (approval) return this.fileUnderPolicy(actor, tenantId, kind, details, approval, createdAt, source);
    const plan = await router.plan(actor, details);
    const guestsFromDomain = details.existingGuestId ? undefined : await this.guestsFromDomain(domainOf(details.email));
    const request = await store.createRequest(
      {
        id: this.deps.newId(),
        kind,
        requester: actor,
        tenantId,
        details,
        context: { guestsFromDomain, routingNote: plan.note },
        createdAt: this.deps.clock.now().toISOString(),
      },
      this.audit(actor.aadObjectId, 'request_created', source, undefined, {
        kind,
        groups: details.groups.length,
        directoryRole: details.directoryRole?.id ?? null,
        app: details.appAccess?.app.id ?? null,
        accessUntil: details.accessUntil ?? null,
        sponsor: details.sponsor?.aadObjectId ?? actor.aadObjectId,
      }),
    );
    if (plan.selfService) return this.approveByPolicy(request, source);

    const reached = await router.deliver(request, plan);
    await store.appendAudit(
      this.audit('system', reached > 0 ? 'approval_requested' : 'approval_unreachable', source, request.id, {
        reached,
        owners: plan.reachableOwners.length > 0,
        fallback: plan.note !== undefined,
      }),
    );
    return { ok: true, request, approversReached: reached };
  }

  /** A request under a policy: stored with its stages, and the first stage's card sent to whoever decides it. */
  private async fileUnderPolicy(
    actor: Person,
    tenantId: string,
    kind: RequestKind,
    details: InviteDetails,
    approval: ApprovalProgress,
    createdAt: string,
    source: string,
  ): Promise<SubmitResult> {
    const { store, policies } = this.deps;
    const guestsFromDomain = details.existingGuestId ? undefined : await this.guestsFromDomain(domainOf(details.email));
    const request = await store.createRequest(
      { id: this.deps.newId(), kind, requester: actor, tenantId, details, context: { guestsFromDomain }, createdAt, approval },
      this.audit(actor.aadObjectId, 'request_created', source, undefined, {
        kind,
        groups: details.groups.length,
        directoryRole: details.directoryRole?.id ?? null,
        app: details.appAccess?.app.id ?? null,
        accessUntil: details.accessUntil ?? null,
        sponsor: details.sponsor?.aadObjectId ?? actor.aadObjectId,
        policy: approval.policy,
        stages: approval.stages.length,
        answers: details.answers?.length ?? 0,
      }),
    );
    const reached = (await policies?.stages.deliver(request)) ?? 0;
    await store.appendAudit(this.stageRequestedAudit(request, reached, source));
    return { ok: true, request, approversReached: reached };
  }

  private stageRequestedAudit(request: AccessRequest, reached: number, source: string): AuditEntry {
    const stage = request.approval?.stages[request.approval.current];
    return this.audit('system', reached > 0 ? 'approval_requested' : 'approval_unreachable', source, request.id, {
      reached,
      stage: (request.approval?.current ?? 0) + 1,
      fallback: stage?.note !== undefined,
    });
  }

  /**
   * An extension past the policy's maximum, asked on an expiry notice: a request of its own, for the
   * approver group, with the date asked for. One open extension request per guest is enough.
   */
  async fileExtension(
    actor: Person,
    tenantId: string,
    guest: { id: string; email: string; displayName: string },
    until: string,
    source: string,
  ): Promise<AccessRequest> {
    const { store, router, clock } = this.deps;
    const open = (await store.findRequestsByEmail(guest.email, ['pending', 'approved', 'executing'])).find((r) => r.kind === 'extension');
    if (open) return open;
    const details: InviteDetails = {
      email: guest.email,
      displayName: guest.displayName,
      message: '',
      groups: [],
      justification: `Asked on the expiry notice: access until ${until}, past the longest access the policy allows without an approval.`,
      existingGuestId: guest.id,
      accessUntil: until,
      sponsor: actor,
    };
    const createdAt = clock.now().toISOString();
    // A policy for extensions (kinds: [extension]) decides them in its stages; otherwise the approver group does.
    const approval = await this.deps.policies?.stages.begin('extension', actor, details, createdAt);
    const request = await store.createRequest(
      { id: this.deps.newId(), kind: 'extension', requester: actor, tenantId, details, context: {}, createdAt, ...(approval ? { approval } : {}) },
      this.audit(actor.aadObjectId, 'request_created', source, undefined, {
        kind: 'extension',
        accessUntil: until,
        guestId: guest.id,
        ...(approval ? { policy: approval.policy } : {}),
      }),
    );
    if (approval) {
      const reached = (await this.deps.policies?.stages.deliver(request)) ?? 0;
      await store.appendAudit(this.stageRequestedAudit(request, reached, source));
      return request;
    }
    const reached = await router.deliver(request, { owners: [], reachableOwners: [], selfService: false });
    await store.appendAudit(
      this.audit('system', reached > 0 ? 'approval_requested' : 'approval_unreachable', source, request.id, { reached, owners: false, fallback: false }),
    );
    return request;
  }

  /** APP_OWNERS_SELF_SERVICE: the owner's own request is approved without a human decision. */
  private async approveByPolicy(request: AccessRequest, source: string): Promise<SubmitResult> {
    const decision: Decision = { outcome: 'approved', by: SELF_SERVICE_POLICY, at: this.deps.clock.now().toISOString() };
    const result = await this.deps.store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'approved',
      patch: { decision },
      audit: this.audit(SELF_SERVICE_POLICY.aadObjectId, 'request_approved', source, request.id, { policy: 'APP_OWNERS_SELF_SERVICE' }),
      enqueueJob: true,
    });
    if (!result.ok) return { ok: true, request: result.current ?? request, approversReached: 0, selfService: true };
    this.deps.queue.poke();
    return { ok: true, request: result.request, approversReached: 0, selfService: true };
  }

  /**
   * Approves; `accessUntilText` is the end date on the approver's card, which may only shorten the
   * access asked for (empty or unchanged keeps the requester's date).
   */
  async approve(actor: Person, requestId: string, source: string, accessUntilText = '', comment = ''): Promise<DecisionResult> {
    return this.decide(actor, requestId, source, { outcome: 'approved' }, accessUntilText.trim(), comment.trim());
  }

  async deny(actor: Person, requestId: string, reasonText: string, source: string): Promise<DecisionResult> {
    const reason = reasonText.trim();
    if (!reason || reason.length > MAX_REASON) {
      const request = await this.deps.store.getRequest(requestId);
      if (!request) return { kind: 'notFound' };
      const message = reason ? `Keep the reason under ${MAX_REASON} characters.` : 'Give a reason for denying: the requester will see it.';
      return { kind: 'invalid', message, request, field: 'reason' };
    }
    return this.decide(actor, requestId, source, { outcome: 'denied', reason });
  }

  /** The requester withdraws a request nobody has decided yet. */
  async cancel(actor: Person, requestId: string, source: string): Promise<DecisionResult> {
    const { store } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) return { kind: 'notFound' };
    if (request.requester.aadObjectId !== actor.aadObjectId) {
      await store.appendAudit(this.audit(actor.aadObjectId, 'cancel_refused', source, requestId, { why: 'not_requester' }));
      return { kind: 'forbidden', message: 'Only the person who asked can cancel this request.' };
    }
    if (request.state !== 'pending') return { kind: 'alreadyDecided', request };
    const { announcements } = this.deps;
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'cancelled',
      audit: this.audit(actor.aadObjectId, 'request_cancelled', source, request.id),
      outbox: announcements.entriesFor(request, 'cancelled'),
    });
    if (!result.ok) return result.current ? { kind: 'alreadyDecided', request: result.current } : { kind: 'notFound' };
    announcements.written();
    return { kind: 'decided', request: result.request };
  }

  listMine(actor: Person): Promise<AccessRequest[]> {
    return this.deps.store.listRequestsByRequester(actor.aadObjectId, LIST_LIMIT);
  }

  /**
   * What waits for this person's decision: everything for approvers, requests for their own
   * applications for app owners; undefined when nothing could ever wait for them.
   */
  async listPendingFor(actor: Person): Promise<AccessRequest[] | undefined> {
    const pending = await this.deps.store.listRequestsByState(['pending'], 200);
    if (await this.deps.roles.isApprover(actor.aadObjectId)) return pending.slice(0, 50);
    const mine: AccessRequest[] = [];
    for (const request of pending) {
      if (request.requester.aadObjectId === actor.aadObjectId) continue;
      const may = request.approval
        ? (await this.deps.policies?.stages.refusal(actor, request)) === undefined
        : await this.deps.router.mayDecide(actor, request);
      if (may) mine.push(request);
    }
    return mine.length > 0 ? mine.slice(0, 50) : undefined;
  }

  /** An admin makes the channel they typed in the place where approval cards go. */
  async setApprovalsChannel(actor: Person, channelId: string, source: string): Promise<'set' | 'forbidden'> {
    const { store, roles } = this.deps;
    if (!(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit(this.audit(actor.aadObjectId, 'set_approvals_channel_refused', source, undefined, { why: 'not_admin' }));
      return 'forbidden';
    }
    await store.setSetting(SETTING_APPROVALS_CHANNEL, channelId, this.audit(actor.aadObjectId, 'approvals_channel_set', source, undefined, { channelId }));
    return 'set';
  }

  /** `policies [test ...]` (admins): the policies in force, and which one a hypothetical request would fall under. */
  async policies(actor: Person, text: string, source: string): Promise<AdminOutcome<PoliciesView>> {
    const { store, roles, catalog } = this.deps;
    if (!(await roles.isAdmin(actor.aadObjectId))) {
      await store.appendAudit(this.audit(actor.aadObjectId, 'admin_command_refused', source, undefined, { command: 'policies', why: 'not_admin' }));
      return { kind: 'forbidden', message: 'Only members of the guest access admin group can see the approval policies. Your attempt was recorded.' };
    }
    const inspector = new PolicyInspector({ book: this.deps.policies?.book ?? new PolicyBook(undefined), catalog });
    const result = await inspector.view(text);
    return result.ok ? { kind: 'ok', value: result.view } : { kind: 'invalid', message: result.message };
  }

  approvalsChannel(): Promise<string | undefined> {
    return this.deps.router.approvalsChannel();
  }

  private async decide(
    actor: Person,
    requestId: string,
    source: string,
    verdict: Pick<Decision, 'outcome' | 'reason'>,
    accessUntilText = '',
    comment = '',
  ): Promise<DecisionResult> {
    const { store, queue } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) return { kind: 'notFound' };
    const refuse = async (why: string, message: string): Promise<DecisionResult> => {
      await store.appendAudit(this.audit(actor.aadObjectId, `${verdict.outcome === 'approved' ? 'approve' : 'deny'}_refused`, source, requestId, { why }));
      return { kind: 'forbidden', message };
    };
    if (request.requester.aadObjectId === actor.aadObjectId) {
      return refuse('self_approval', 'You asked for this guest, so another approver has to decide.');
    }
    if (request.approval) {
      const refusal = request.state === 'pending' ? await this.deps.policies?.stages.refusal(actor, request) : undefined;
      if (refusal) return refuse(refusal.why, refusal.message);
    } else if (!(await this.deps.router.mayDecide(actor, request, { forDecision: true }))) {
      return refuse(
        'not_approver',
        'Only members of the approver group can decide on this request (app owners decide requests that only grant their app to an existing guest).',
      );
    }
    if (request.state !== 'pending') return { kind: 'alreadyDecided', request };
    let decided: Pick<Decision, 'outcome' | 'reason' | 'accessUntil'> = verdict;
    if (verdict.outcome === 'approved' && accessUntilText && accessUntilText !== request.details.accessUntil) {
      const until = checkAccessUntil(accessUntilText, { now: this.deps.clock.now(), settings: this.deps.access, latest: request.details.accessUntil });
      if (!until.ok) return { kind: 'invalid', message: until.message, request, field: 'accessUntil' };
      decided = { ...verdict, accessUntil: until.until };
    }
    if (verdict.outcome === 'approved') {
      // Policy may have changed since filing (a group nested into the approver group, a domain
      // blocked, a role withdrawn): an approval must not grant more than it allows now.
      const refusals = await this.deps.policy.refusals(request.details);
      if (refusals.length > 0) {
        await store.appendAudit(
          this.audit(actor.aadObjectId, 'approve_refused', source, requestId, { why: 'policy', fields: refusals.map((r) => r.field).join(',') }),
        );
        const message = `This request can no longer be approved: ${describeRefusals(refusals)} Deny it with a reason so the requester knows.`;
        return { kind: 'refusedByPolicy', message, request };
      }
    }
    if (request.approval) return this.decideStage(actor, request, source, decided, comment);
    const decision: Decision = { ...decided, by: actor, at: this.deps.clock.now().toISOString() };
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: verdict.outcome,
      patch: { decision },
      audit: this.audit(
        actor.aadObjectId,
        `request_${verdict.outcome}`,
        source,
        request.id,
        decision.accessUntil ? { accessUntil: decision.accessUntil, asked: request.details.accessUntil ?? null } : undefined,
      ),
      enqueueJob: verdict.outcome === 'approved',
      outbox: this.deps.announcements.entriesFor(request, verdict.outcome),
    });
    if (!result.ok) return result.current ? { kind: 'alreadyDecided', request: result.current } : { kind: 'notFound' };
    if (verdict.outcome === 'approved') queue.poke();
    this.deps.announcements.written();
    return { kind: 'decided', request: result.request };
  }

  /**
   * One decision on the stage waiting now, a compare-and-set on the request's version: a denial
   * ends the request; an approval counts towards the stage, completes it when enough different
   * people approved, then starts the next stage (its card goes out), or, after the last stage,
   * approves the request for execution as today.
   */
  private async decideStage(
    actor: Person,
    request: AccessRequest,
    source: string,
    decided: Pick<Decision, 'outcome' | 'reason' | 'accessUntil'>,
    comment: string,
  ): Promise<DecisionResult> {
    const { store, queue, announcements, policies } = this.deps;
    const now = this.deps.clock.now().toISOString();
    const progress: ApprovalProgress = structuredClone(request.approval as ApprovalProgress);
    const index = progress.current;
    const stage = progress.stages[index];
    if (!stage) return { kind: 'alreadyDecided', request };
    const stageDetail = { stage: index + 1, stages: progress.stages.length, policy: progress.policy };
    const lost = (result: { ok: false; current: AccessRequest | undefined }): DecisionResult => {
      if (!result.current) return { kind: 'notFound' };
      // Another approval of the same stage won the race while the request still waits: click again on the fresh card.
      if (result.current.state === 'pending')
        return { kind: 'invalid', message: 'Someone decided at the same moment; look at the card again and decide.', request: result.current };
      return { kind: 'alreadyDecided', request: result.current };
    };

    if (decided.outcome === 'denied') {
      stage.completedAt = now;
      const decision: Decision = { ...decided, by: actor, at: now };
      const result = await store.transition({
        id: request.id,
        from: 'pending',
        expectedVersion: request.version,
        to: 'denied',
        patch: { decision, approval: progress },
        audit: this.audit(actor.aadObjectId, 'request_denied', source, request.id, stageDetail),
        outbox: announcements.entriesFor(request, 'denied'),
      });
      if (!result.ok) return lost(result);
      announcements.written();
      return { kind: 'decided', request: result.request, stage: index };
    }

    const approval: StageApproval = { by: actor, at: now };
    if (comment) approval.comment = comment.slice(0, MAX_ANSWER);
    if (decided.accessUntil) approval.accessUntil = decided.accessUntil;
    stage.approvals.push(approval);
    const detail = { ...stageDetail, approvals: stage.approvals.length, required: stage.required };
    if (stage.approvals.length < stage.required) {
      const result = await store.transition({
        id: request.id,
        from: 'pending',
        expectedVersion: request.version,
        to: 'pending',
        patch: { approval: progress },
        audit: this.audit(actor.aadObjectId, 'stage_approval_recorded', source, request.id, detail),
        outbox: announcements.entriesFor(request, 'stageDecided'),
      });
      if (!result.ok) return lost(result);
      announcements.written();
      return { kind: 'decided', request: result.request, stage: index };
    }

    stage.completedAt = now;
    if (index < progress.stages.length - 1) {
      progress.current = index + 1;
      progress.stages[index + 1] = (await policies?.stages.start(progress, index + 1, request, now)) ?? progress.stages[index + 1];
      const result = await store.transition({
        id: request.id,
        from: 'pending',
        expectedVersion: request.version,
        to: 'pending',
        patch: { approval: progress },
        audit: this.audit(actor.aadObjectId, 'stage_approved', source, request.id, { ...detail, next: stageLabel(progress) }),
        outbox: announcements.entriesFor(request, 'stageDecided'),
      });
      if (!result.ok) return lost(result);
      announcements.written();
      const reached = (await policies?.stages.deliver(result.request)) ?? 0;
      await store.appendAudit(this.stageRequestedAudit(result.request, reached, source));
      return { kind: 'decided', request: result.request, stage: index };
    }

    // The shortest end date any stage's approver chose is the one the access gets.
    const shortened = progress.stages
      .flatMap((s) => s.approvals.map((a) => a.accessUntil))
      .filter((d): d is string => d !== undefined)
      .sort()[0];
    const decision: Decision = { outcome: 'approved', by: actor, at: now, ...(shortened ? { accessUntil: shortened } : {}) };
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'approved',
      patch: { decision, approval: progress },
      audit: this.audit(actor.aadObjectId, 'request_approved', source, request.id, shortened ? { ...detail, accessUntil: shortened } : detail),
      enqueueJob: true,
      outbox: announcements.entriesFor(request, 'approved'),
    });
    if (!result.ok) return lost(result);
    queue.poke();
    announcements.written();
    return { kind: 'decided', request: result.request, stage: index };
  }

  private async guestsFromDomain(domain: string): Promise<number | undefined> {
    try {
      return await this.deps.directory.countGuestsFromDomain(domain);
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'guest count failed');
      return undefined;
    }
  }

  /** `chosen` keeps what was picked through typeahead among the choices, so the form shows it again. */
  private async formWith(
    kind: RequestKind,
    values: InviteFormValues,
    errors: FieldErrors,
    chosen: { groups: NamedRef[]; guest?: NamedRef },
    formError?: string,
    questions?: PolicyQuestion[],
  ): Promise<InviteForm> {
    const { catalog } = this.deps;
    const [offered, roleChoices, apps] = await Promise.all([
      kind === 'invite' ? catalog.offeredGroups() : { groups: [], more: false },
      kind === 'invite' ? catalog.assignableRoles() : [],
      catalog.offeredAppRoles(),
    ]);
    const extraGroups = chosen.groups.filter((c) => !offered.groups.some((g) => g.id === c.id));
    return {
      kind,
      values,
      errors,
      formError,
      groupChoices: [...offered.groups, ...extraGroups],
      groupSearch: offered.more,
      roleChoices,
      appChoices: apps.choices,
      appSearch: apps.more,
      guestChoices: chosen.guest ? [chosen.guest] : [],
      accessPeriod: accessChoice(this.deps.clock.now(), this.deps.access),
      questions: questions ?? this.deps.policies?.book.questionsForForm(kind) ?? [],
      questionErrors: {},
    };
  }

  private audit(actor: string, action: string, source: string, requestId?: string, detail?: AuditEntry['detail']): AuditEntry {
    return { requestId, actor, action, source, detail, at: this.deps.clock.now().toISOString() };
  }
}

/** The guest chosen on the app access form, so a form that comes back shows it again. */
function chosenGuest(kind: RequestKind, values: InviteFormValues, details: InviteDetails): NamedRef | undefined {
  return kind === 'appAccess' && details.existingGuestId && values.guestId.trim()
    ? { id: details.existingGuestId, displayName: details.displayName }
    : undefined;
}
