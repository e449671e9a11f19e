/**
 * A policy's stages for one request: who decides each stage (resolved when the stage starts, the
 * manager read from the directory then), who may decide the stage waiting now, and where its card
 * goes. The workflow writes each stage's decision as a compare-and-set on the request.
 */
import type { Capabilities } from '../../directory/capabilities';
import type { DirectoryCatalog } from '../../directory/directoryCatalog';
import type { GraphDirectory } from '../../directory/graphDirectory';
import { toGraphFailure } from '../../directory/graphErrors';
import type { Logger } from '../../platform/logger';
import type { Store } from '../../store/store';
import type { AccessRequest, ApprovalProgress, ApprovalStage, InviteDetails, NamedRef, Person, RequestKind } from '../model';
import type { ApprovalTarget, Notifier } from '../notifier';
import type { PolicyRef, PolicyStage } from './policyFile';
import { subjectOf, type PolicyBook } from './policyMatching';

export type StageDirectory = Pick<GraphDirectory, 'getManager' | 'listUserMembers' | 'checkMemberGroups'>;

/** Why someone may not decide the stage waiting now, for the audit log and for them. */
export type StageRefusal = { why: 'not_stage_approver' | 'decided_other_stage' | 'already_approved'; message: string };

/** The stage's position and name as cards show it: "Stage 2 of 2: security team". */
export function stageLabel(progress: ApprovalProgress, index = progress.current): string {
  const stage = progress.stages[index];
  return `Stage ${index + 1} of ${progress.stages.length}: ${stage?.name ?? ''}`;
}

function named(ref: PolicyRef): NamedRef {
  return { id: ref.id, displayName: ref.name ?? ref.id };
}

export class ApprovalStages {
  constructor(
    private readonly deps: {
      book: PolicyBook;
      directory: StageDirectory;
      catalog: Pick<DirectoryCatalog, 'appOwners' | 'approvers'>;
      notifier: Pick<Notifier, 'sendApprovalCard' | 'canReach'>;
      approvalsChannel: () => Promise<string | undefined>;
      store: Pick<Store, 'getManagedGuest'>;
      settings: { approverGroupId: string };
      capabilities: Capabilities;
      logger: Logger;
    },
  ) {}

  /** The approver group as a stage's fallback. */
  private get approverGroup(): NamedRef {
    return { id: this.deps.settings.approverGroupId, displayName: 'the approver group' };
  }

  /**
   * The stages of the policy a new request falls under, with the first one started at `now`;
   * undefined when no policy matches (today's single stage).
   */
  async begin(kind: RequestKind, requester: Person, details: InviteDetails, now: string): Promise<ApprovalProgress | undefined> {
    const matched = this.deps.book.match(subjectOf({ kind, details }));
    if (!matched) return undefined;
    const stages = matched.policy.stages.map((stage) => this.planned(stage));
    const progress: ApprovalProgress = { policy: matched.policy.name, current: 0, stages };
    progress.stages[0] = await this.start(progress, 0, { requester, details }, now);
    return progress;
  }

  private planned(stage: PolicyStage): ApprovalStage {
    return {
      name: stage.name,
      approver: stage.approvers,
      required: stage.approvals,
      group: stage.group ? named(stage.group) : undefined,
      app: stage.app ? named(stage.app) : undefined,
      fallbackGroup: stage.fallbackGroup ? named(stage.fallbackGroup) : this.approverGroup,
      escalation: stage.escalation ? { remindAfterMinutes: stage.escalation.remindAfter, escalateAfterMinutes: stage.escalation.escalateAfter } : undefined,
      approvals: [],
    };
  }

  /** The stage at `index`, started at `now`: who decides it is worked out now. */
  async start(progress: ApprovalProgress, index: number, request: Pick<AccessRequest, 'requester' | 'details'>, now: string): Promise<ApprovalStage> {
    const stage = progress.stages[index];
    if (!stage) throw new Error(`the policy has no stage ${index + 1}`);
    const { deciders, note } = await this.resolve(stage, request);
    return { ...stage, deciders, note, startedAt: now };
  }

  private async resolve(stage: ApprovalStage, request: Pick<AccessRequest, 'requester' | 'details'>): Promise<Pick<ApprovalStage, 'deciders' | 'note'>> {
    const fallback = (why: string) => ({
      deciders: { kind: 'group' as const, group: stage.fallbackGroup },
      note: `${why}, so this stage went to ${stage.fallbackGroup.displayName}.`,
    });
    const { requester, details } = request;
    switch (stage.approver) {
      case 'group':
        return { deciders: { kind: 'group', group: stage.group ?? stage.fallbackGroup } };
      case 'manager': {
        if (!this.deps.capabilities.isOn('managerStage')) return fallback(`The bot may not read managers in the directory (User.Read.All)`);
        try {
          const manager = await this.deps.directory.getManager(requester.aadObjectId);
          if (!manager) return fallback(`${requester.name} has no manager in the directory`);
          return { deciders: { kind: 'people', people: [manager] } };
        } catch (error) {
          const failure = toGraphFailure(error);
          this.deps.logger.warn({ status: failure.status, code: failure.code }, 'manager lookup failed');
          return fallback(`${requester.name}'s manager could not be read from the directory (${failure.status === 403 ? 'not permitted' : 'Graph failed'})`);
        }
      }
      case 'sponsor': {
        const sponsor = await this.sponsorOf(requester, details);
        if (sponsor.id === requester.aadObjectId) return fallback(`The guest's sponsor is ${requester.name}, who asked`);
        return { deciders: { kind: 'people', people: [sponsor] } };
      }
      case 'appOwners': {
        const app = stage.app ?? (details.appAccess ? { id: details.appAccess.app.id, displayName: details.appAccess.app.displayName } : undefined);
        if (!app) return fallback('The request asks for no application');
        const owners = (await this.deps.catalog.appOwners(app.id).catch(() => [])).filter((o) => o.id !== requester.aadObjectId);
        if (owners.length === 0) return fallback(`${app.displayName} has no owner who could decide`);
        return { deciders: { kind: 'people', people: owners } };
      }
    }
  }

  /** The sponsor the bot records for an existing guest, else the request's (the colleague named, or the requester). */
  private async sponsorOf(requester: Person, details: InviteDetails): Promise<NamedRef> {
    if (details.existingGuestId) {
      const managed = await this.deps.store.getManagedGuest(details.existingGuestId);
      if (managed?.sponsor.kind === 'user') return { id: managed.sponsor.id, displayName: managed.sponsor.name };
    }
    const sponsor = details.sponsor ?? requester;
    return { id: sponsor.aadObjectId, displayName: sponsor.name };
  }

  /**
   * Whether `actor` may decide the stage waiting now: one of its deciders (or, once it escalated,
   * of its fallback group), who decided no other stage of the request and has not approved this
   * one already. The requester is refused before this is asked.
   */
  async refusal(actor: Person, request: AccessRequest): Promise<StageRefusal | undefined> {
    const progress = request.approval;
    if (!progress) return undefined;
    const stage = progress.stages[progress.current];
    if (!stage) return { why: 'not_stage_approver', message: 'This request has no stage waiting for a decision.' };
    const other = progress.stages.findIndex((s, i) => i !== progress.current && s.approvals.some((a) => a.by.aadObjectId === actor.aadObjectId));
    if (other >= 0) {
      return {
        why: 'decided_other_stage',
        message: `You decided stage ${other + 1} of this request, so someone else has to decide ${stageLabel(progress).replace(/^Stage/, 'stage')}.`,
      };
    }
    if (stage.approvals.some((a) => a.by.aadObjectId === actor.aadObjectId)) {
      return { why: 'already_approved', message: `You approved this stage already; it needs ${stage.required} approvals from different people.` };
    }
    if (await this.isDecider(actor, stage)) return undefined;
    return { why: 'not_stage_approver', message: `${stageLabel(progress)} is decided by ${describeDeciders(stage)}, and you are not among them.` };
  }

  private async isDecider(actor: Person, stage: ApprovalStage): Promise<boolean> {
    const groups: string[] = [];
    if (stage.deciders?.kind === 'people' && stage.deciders.people.some((p) => p.id.toLowerCase() === actor.aadObjectId.toLowerCase())) return true;
    if (stage.deciders?.kind === 'group') groups.push(stage.deciders.group.id);
    if (stage.escalatedAt) groups.push(stage.fallbackGroup.id);
    if (groups.length === 0) return false;
    return (await this.deps.directory.checkMemberGroups(actor.aadObjectId, [...new Set(groups)])).length > 0;
  }

  /**
   * Sends the card of the stage waiting now to whoever decides it (after escalation, to the
   * fallback group as well), never to the requester nor to people who decided another stage.
   * Returns how many places got it.
   */
  async deliver(request: AccessRequest, options: { escalated?: boolean } = {}): Promise<number> {
    const progress = request.approval;
    const stage = progress?.stages[progress.current];
    if (!progress || !stage) return 0;
    const excluded = new Set([request.requester.aadObjectId, ...progress.stages.flatMap((s) => s.approvals.map((a) => a.by.aadObjectId))]);
    const send = async (targets: ApprovalTarget[]) =>
      (await Promise.all(targets.map((t) => this.deps.notifier.sendApprovalCard(t, request)))).filter(Boolean).length;
    const toPeople = (people: readonly NamedRef[]) => send(people.filter((p) => !excluded.has(p.id)).map((p) => ({ kind: 'user', aadObjectId: p.id })));
    const toGroup = async (group: NamedRef): Promise<number> => {
      if (group.id.toLowerCase() === this.deps.settings.approverGroupId.toLowerCase()) {
        // The approver group's cards go where today's do: the approvals channel when an admin set one.
        const channelId = await this.deps.approvalsChannel();
        if (channelId && (await send([{ kind: 'channel', channelId }])) > 0) return 1;
        return toPeople(await this.members(() => this.deps.catalog.approvers(), request.id));
      }
      return toPeople(await this.members(() => this.deps.directory.listUserMembers(group.id), request.id));
    };
    if (options.escalated) return toGroup(stage.fallbackGroup);
    if (stage.deciders?.kind === 'people') return toPeople(stage.deciders.people);
    if (stage.deciders?.kind === 'group') return toGroup(stage.deciders.group);
    return 0;
  }

  private async members(list: () => Promise<NamedRef[]>, requestId: string): Promise<NamedRef[]> {
    try {
      return await list();
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ requestId, status: failure.status, code: failure.code }, 'stage approver lookup failed');
      return [];
    }
  }
}

/** "Isaiah Langer", "a member of Security Team", with the fallback group once the stage escalated. */
export function describeDeciders(stage: ApprovalStage): string {
  const own =
    stage.deciders?.kind === 'people'
      ? stage.deciders.people.map((p) => p.displayName).join(' or ')
      : `a member of ${stage.deciders?.group.displayName ?? stage.fallbackGroup.displayName}`;
  return stage.escalatedAt ? `${own}, or (escalated) a member of ${stage.fallbackGroup.displayName}` : own;
}
