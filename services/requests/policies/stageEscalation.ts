/**
 * Escalation of a policy's stages: a stage nobody decided within its `remindAfter` is sent again
 * to its approvers as a reminder; one still undecided after `escalateAfter` goes to its fallback
 * group as well. Each step is a compare-and-set on the request, audited; a request nobody decides
 * at all still expires as any other (REQUEST_TIMEOUT_DAYS).
 */
import type { Logger } from '../../platform/logger';
import type { Store } from '../../store/store';
import type { Announcements } from '../announcements';
import type { AccessRequest, ApprovalProgress, AuditEntry } from '../model';
import type { ApprovalStages } from './approvalStages';

/** The periodic task's name, as stored with its lease. */
export const ESCALATE_APPROVAL_STAGES = 'escalate-approval-stages';

const MINUTE_MS = 60_000;
/** Pending requests looked at per run; those under a policy with escalation are few. */
const BATCH = 500;

export class StageEscalation {
  constructor(
    private readonly deps: {
      store: Store;
      stages: Pick<ApprovalStages, 'deliver'>;
      announcements: Announcements;
      logger: Logger;
    },
  ) {}

  /** Reminds and escalates every stage due at `now`; returns how many of each. */
  async run(now: Date): Promise<{ reminded: number; escalated: number }> {
    const counts = { reminded: 0, escalated: 0 };
    for (const request of await this.deps.store.listRequestsByState(['pending'], BATCH)) {
      const step = this.dueStep(request, now);
      if (step && (await this.apply(request, step, now))) counts[step] += 1;
    }
    return counts;
  }

  private dueStep(request: AccessRequest, now: Date): 'reminded' | 'escalated' | undefined {
    const stage = request.approval?.stages[request.approval.current];
    if (!stage?.escalation || !stage.startedAt || stage.escalatedAt) return undefined;
    const waited = now.getTime() - Date.parse(stage.startedAt);
    if (waited >= stage.escalation.escalateAfterMinutes * MINUTE_MS) return 'escalated';
    if (!stage.remindedAt && waited >= stage.escalation.remindAfterMinutes * MINUTE_MS) return 'reminded';
    return undefined;
  }

  private async apply(request: AccessRequest, step: 'reminded' | 'escalated', now: Date): Promise<boolean> {
    const { store, announcements, stages, logger } = this.deps;
    const progress: ApprovalProgress = structuredClone(request.approval as ApprovalProgress);
    const stage = progress.stages[progress.current];
    if (!stage) return false;
    const at = now.toISOString();
    if (step === 'escalated') stage.escalatedAt = at;
    else stage.remindedAt = at;
    const audit: AuditEntry = {
      requestId: request.id,
      actor: 'system',
      action: step === 'escalated' ? 'stage_escalated' : 'stage_reminder_sent',
      source: `task:${ESCALATE_APPROVAL_STAGES}`,
      detail: { stage: progress.current + 1, ...(step === 'escalated' ? { fallbackGroup: stage.fallbackGroup.id } : {}) },
      at,
    };
    const result = await store.transition({
      id: request.id,
      from: 'pending',
      expectedVersion: request.version,
      to: 'pending',
      patch: { approval: progress },
      audit,
      outbox: announcements.entriesFor(request, 'stageDecided'),
    });
    // A lost compare-and-set means someone decided meanwhile: their decision stands, and the next run looks again.
    if (!result.ok) return false;
    announcements.written();
    const reached = await stages.deliver(result.request, { escalated: step === 'escalated' });
    await store.appendAudit({ ...audit, action: step === 'escalated' ? 'approval_requested' : 'approval_reminded', detail: { ...audit.detail, reached } });
    logger.info({ requestId: request.id, step, reached }, 'approval stage waited too long');
    return true;
  }
}
