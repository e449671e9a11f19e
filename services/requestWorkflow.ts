import type { BackgroundTasks } from './backgroundTasks';
import type { Clock } from './clock';
import type { DirectoryCatalog } from './directoryCatalog';
import type { GraphDirectory } from './graph/graphDirectory';
import { toGraphFailure } from './graph/graphErrors';
import {
  domainOf,
  emptyInviteForm,
  normaliseEmail,
  validateInviteForm,
  type FieldErrors,
  type InviteFormValues,
  type InvitePolicy,
} from './inviteValidation';
import type { Logger } from './logger';
import type { AccessRequest, AuditEntry, Decision, NamedRef, Person, RequestState } from './model';
import type { ApprovalTarget, Notifier, RequestEvent } from './notifier';
import type { RoleService } from './roles';
import type { Store } from './store/store';

export type WorkflowDirectory = Pick<GraphDirectory, 'findUsersByEmail' | 'countGuestsFromDomain' | 'getAssignableGroups'>;

/** What the invite form needs to render: the values typed, problems found and the choices offered. */
export interface InviteForm {
  values: InviteFormValues;
  errors: FieldErrors;
  formError?: string;
  groupChoices: NamedRef[];
  groupSearch: boolean;
  roleChoices: NamedRef[];
}

export type SubmitResult =
  | { ok: false; form: InviteForm }
  | { ok: true; request: AccessRequest; approversReached: number };

export type DecisionResult =
  | { kind: 'decided'; request: AccessRequest }
  | { kind: 'alreadyDecided'; request: AccessRequest }
  | { kind: 'notFound' }
  | { kind: 'forbidden'; message: string }
  | { kind: 'invalid'; message: string; request: AccessRequest };

/** Where the workflow hands approved work to the execution worker. */
export interface WorkQueue {
  poke(): void;
}

export interface WorkflowSettings extends InvitePolicy {
  inviteRedirectUrl: string;
}

/** Requests still in flight for an address: a second request for it would be a duplicate. */
const OPEN_STATES: readonly RequestState[] = ['pending', 'approved', 'executing'];
const SETTING_APPROVALS_CHANNEL = 'approvalsChannel';
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
      roles: RoleService;
      notifier: Notifier;
      queue: WorkQueue;
      background: BackgroundTasks;
      settings: WorkflowSettings;
      clock: Clock;
      newId: () => string;
      logger: Logger;
    },
  ) {}

  /** The empty form (or pre-filled with an address typed after `invite`). */
  async openInviteForm(prefillEmail = ''): Promise<InviteForm> {
    return this.formWith(emptyInviteForm(prefillEmail.trim()), {}, []);
  }

  /** Typeahead for the groups field. */
  searchGroups(text: string): Promise<NamedRef[]> {
    return this.deps.catalog.searchGroups(text, 25);
  }

  async submitInvite(actor: Person, tenantId: string, values: InviteFormValues, source: string): Promise<SubmitResult> {
    const { store, directory, settings } = this.deps;
    const errors = validateInviteForm(values, settings);
    const email = normaliseEmail(values.email);
    const groupIds = [...new Set(values.groupIds.map((id) => id.toLowerCase()))];

    let groups: NamedRef[] = [];
    try {
      if (!errors.email) {
        const problem = await this.findDuplicate(email);
        if (problem) errors.email = problem;
      }
      if (!errors.groupIds && groupIds.length > 0) {
        const guarded = await this.deps.catalog.protectedGroupIds();
        groups = (await directory.getAssignableGroups(groupIds))
          .filter((g) => !guarded.has(g.id.toLowerCase()))
          .map(({ id, displayName }) => ({ id, displayName }));
        const missing = groupIds.filter((id) => !groups.some((g) => g.id.toLowerCase() === id));
        if (missing.length > 0) errors.groupIds = `${missing.length} of the chosen groups no longer exist or cannot take guests; choose again.`;
      }
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ source, status: failure.status, code: failure.code }, 'directory check failed');
      return { ok: false, form: await this.formWith(values, errors, groups, `Your request was not sent: ${failure.userMessage}`) };
    }
    const roleId = values.directoryRoleId.trim().toLowerCase();
    const role = roleId ? (await this.deps.catalog.assignableRoles()).find((r) => r.id.toLowerCase() === roleId) : undefined;
    if (roleId && !role && !errors.directoryRoleId) errors.directoryRoleId = 'That directory role is not offered any more; choose again.';

    if (Object.keys(errors).length > 0) return { ok: false, form: await this.formWith(values, errors, groups) };

    const now = this.deps.clock.now().toISOString();
    const request = await store.createRequest(
      {
        id: this.deps.newId(),
        kind: 'invite',
        requester: actor,
        tenantId,
        details: {
          email,
          displayName: values.displayName.trim(),
          message: values.message.trim(),
          groups,
          directoryRole: role,
          justification: values.justification.trim(),
        },
        context: { guestsFromDomain: await this.guestsFromDomain(domainOf(email)) },
        createdAt: now,
      },
      this.audit(actor.aadObjectId, 'request_created', source, undefined, { groups: groups.length, directoryRole: role?.id ?? null }),
    );
    const approversReached = await this.dispatchApproval(request, source);
    return { ok: true, request, approversReached };
  }

  async approve(actor: Person, requestId: string, source: string): Promise<DecisionResult> {
    return this.decide(actor, requestId, source, { outcome: 'approved' });
  }

  async deny(actor: Person, requestId: string, reasonText: string, source: string): Promise<DecisionResult> {
    const reason = reasonText.trim();
    if (!reason || reason.length > MAX_REASON) {
      const request = await this.deps.store.getRequest(requestId);
      if (!request) return { kind: 'notFound' };
      const message = reason ? `Keep the reason under ${MAX_REASON} characters.` : 'Give a reason for denying: the requester will see it.';
      return { kind: 'invalid', message, request };
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
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'cancelled',
      audit: this.audit(actor.aadObjectId, 'request_cancelled', source, request.id),
    });
    if (!result.ok) return result.current ? { kind: 'alreadyDecided', request: result.current } : { kind: 'notFound' };
    this.announce(result.request, 'cancelled', { toRequester: false });
    return { kind: 'decided', request: result.request };
  }

  listMine(actor: Person): Promise<AccessRequest[]> {
    return this.deps.store.listRequestsByRequester(actor.aadObjectId, LIST_LIMIT);
  }

  /** What waits for an approver's decision; undefined when the person is not an approver. */
  async listPendingFor(actor: Person): Promise<AccessRequest[] | undefined> {
    if (!(await this.deps.roles.isApprover(actor.aadObjectId))) return undefined;
    return this.deps.store.listRequestsByState(['pending'], 50);
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

  async approvalsChannel(): Promise<string | undefined> {
    return (await this.deps.store.getSetting(SETTING_APPROVALS_CHANNEL)) || undefined;
  }

  /** Called by the worker when a request ends, so that everyone who cares hears about it. */
  announceOutcome(request: AccessRequest): void {
    if (request.state === 'completed') this.announce(request, 'completed', { toRequester: true });
    if (request.state === 'failed') this.announce(request, 'failed', { toRequester: true, toApprovers: true });
  }

  private async decide(actor: Person, requestId: string, source: string, verdict: Pick<Decision, 'outcome' | 'reason'>): Promise<DecisionResult> {
    const { store, roles, queue } = this.deps;
    const request = await store.getRequest(requestId);
    if (!request) return { kind: 'notFound' };
    const refuse = async (why: string, message: string): Promise<DecisionResult> => {
      await store.appendAudit(this.audit(actor.aadObjectId, `${verdict.outcome === 'approved' ? 'approve' : 'deny'}_refused`, source, requestId, { why }));
      return { kind: 'forbidden', message };
    };
    if (request.requester.aadObjectId === actor.aadObjectId) {
      return refuse('self_approval', 'You asked for this guest, so another approver has to decide.');
    }
    if (!(await roles.isApprover(actor.aadObjectId))) {
      return refuse('not_approver', 'Only members of the approver group can decide on guest requests.');
    }
    if (request.state !== 'pending') return { kind: 'alreadyDecided', request };
    const decision: Decision = { ...verdict, by: actor, at: this.deps.clock.now().toISOString() };
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: verdict.outcome,
      patch: { decision },
      audit: this.audit(actor.aadObjectId, `request_${verdict.outcome}`, source, request.id),
      enqueueJob: verdict.outcome === 'approved',
    });
    if (!result.ok) return result.current ? { kind: 'alreadyDecided', request: result.current } : { kind: 'notFound' };
    if (verdict.outcome === 'approved') queue.poke();
    this.announce(result.request, verdict.outcome, { toRequester: true });
    return { kind: 'decided', request: result.request };
  }

  /**
   * Approval cards go to the approvals channel when one is set, otherwise to each approver's
   * 1:1 chat (other than the requester). Returns how many places received the card.
   */
  private async dispatchApproval(request: AccessRequest, source: string): Promise<number> {
    const { notifier, store } = this.deps;
    const channelId = await this.approvalsChannel();
    let reached = 0;
    if (channelId && (await notifier.sendApprovalCard({ kind: 'channel', channelId }, request))) reached += 1;
    if (reached === 0) {
      let approvers: NamedRef[] = [];
      try {
        approvers = await this.deps.catalog.approvers();
      } catch (error) {
        const failure = toGraphFailure(error);
        this.deps.logger.warn({ requestId: request.id, status: failure.status, code: failure.code }, 'approver lookup failed');
      }
      const targets: ApprovalTarget[] = approvers
        .filter((a) => a.id !== request.requester.aadObjectId)
        .map((a) => ({ kind: 'user', aadObjectId: a.id }));
      const delivered = await Promise.all(targets.map((t) => notifier.sendApprovalCard(t, request)));
      reached += delivered.filter(Boolean).length;
    }
    await store.appendAudit(
      this.audit('system', reached > 0 ? 'approval_requested' : 'approval_unreachable', source, request.id, { reached, channel: Boolean(channelId) }),
    );
    return reached;
  }

  /** Refreshes every card of the request and sends notices, after the reply has gone out. */
  private announce(request: AccessRequest, event: RequestEvent, who: { toRequester: boolean; toApprovers?: boolean }): void {
    const { notifier, background } = this.deps;
    background.run(`announce ${event}`, async () => {
      await notifier.refreshCards(request);
      if (who.toRequester) await notifier.notifyUser(request.requester.aadObjectId, request, event);
      if (who.toApprovers) {
        const channelId = await this.approvalsChannel();
        if (channelId) await notifier.notifyChannel(channelId, request, event);
        else if (request.decision) await notifier.notifyUser(request.decision.by.aadObjectId, request, event);
      }
    });
  }

  private async findDuplicate(email: string): Promise<string | undefined> {
    const open = await this.deps.store.findRequestsByEmail(email, OPEN_STATES);
    if (open.length > 0) {
      return `There is already an open request for ${email} (${open[0]!.id}); wait for it to be decided.`;
    }
    const users = await this.deps.directory.findUsersByEmail(email);
    const existing = users[0];
    if (!existing) return undefined;
    if (existing.userType === 'Guest') {
      const state = existing.externalUserState === 'PendingAcceptance' ? 'invited and has not accepted yet' : 'already a guest';
      return `${email} is ${state} in your directory; ask an admin if they need more access.`;
    }
    return `${email} belongs to someone in your organisation; guests are for people outside it.`;
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

  /** `chosen` keeps groups picked through typeahead among the choices, so the form shows them again. */
  private async formWith(values: InviteFormValues, errors: FieldErrors, chosen: NamedRef[], formError?: string): Promise<InviteForm> {
    const { catalog } = this.deps;
    const [offered, roleChoices] = await Promise.all([catalog.offeredGroups(), catalog.assignableRoles()]);
    const extra = chosen.filter((c) => !offered.groups.some((g) => g.id === c.id));
    return { values, errors, formError, groupChoices: [...offered.groups, ...extra], groupSearch: offered.more, roleChoices };
  }

  private audit(actor: string, action: string, source: string, requestId?: string, detail?: AuditEntry['detail']): AuditEntry {
    return { requestId, actor, action, source, detail, at: this.deps.clock.now().toISOString() };
  }
}
