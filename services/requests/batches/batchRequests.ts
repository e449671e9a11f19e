/**
 * Filing a batch: the preview again on the server (the browser's copy is never trusted), then the
 * valid rows as one request of kind `batch` with one justification, counted as one filing, sent to
 * the approver group like any request. Deciding it goes through RequestWorkflow's approve and deny.
 */
import type { Capabilities } from '../../directory/capabilities';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { describeWait, type PersonLimits } from '../../platform/rateLimits';
import type { ApprovalRouter } from '../approvalRouting';
import { checkJustification, domainOf } from '../inviteValidation';
import type { AccessRequest, AuditEntry, BatchSummary, InviteDetails, Person } from '../model';
import type { Store } from '../../store/store';
import type { BatchPreview, PreviewRow } from './batchPreview';
import type { BatchRow, NewBatchRow } from './model';
import type { ApprovalStages } from '../policies/approvalStages';
import type { PolicyQuestion } from '../policies/policyFile';
import { subjectOf, type PolicyBook } from '../policies/policyMatching';
import { checkAnswers } from '../policies/questions';

export type FileBatchResult =
  | { ok: false; message: string; rows?: PreviewRow[]; questionErrors?: Record<string, string> }
  | { ok: true; request: AccessRequest; filed: number; skipped: number; approversReached: number };

/** The preview, with the questions of the policy the valid rows would be filed under. */
export type BatchPreviewAnswer = { ok: false; message: string } | { ok: true; rows: PreviewRow[]; valid: number; invalid: number; questions: PolicyQuestion[] };

/** Count and domains with counts, largest first, for the approval card. */
export function summarise(rows: readonly Pick<NewBatchRow, 'email'>[]): BatchSummary {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(domainOf(row.email), (counts.get(domainOf(row.email)) ?? 0) + 1);
  const domains = [...counts.entries()].map(([domain, count]) => ({ domain, count })).sort((a, b) => b.count - a.count || a.domain.localeCompare(b.domain));
  return { rows: rows.length, domains };
}

export class BatchRequests {
  constructor(
    private readonly deps: {
      store: Store;
      preview: BatchPreview;
      router: Pick<ApprovalRouter, 'plan' | 'deliver' | 'mayDecide'>;
      /** The approval policies and their stages; a batch falls under the strictest policy its rows as a whole match. */
      policies?: { book: PolicyBook; stages: Pick<ApprovalStages, 'begin' | 'deliver' | 'refusal'> };
      limits: Pick<PersonLimits, 'fileRequest'>;
      capabilities: Pick<Capabilities, 'require'>;
      clock: Clock;
      newId: () => string;
      logger: Logger;
    },
  ) {}

  async preview(csv: string): Promise<BatchPreviewAnswer> {
    const result = await this.deps.preview.preview(csv);
    if (!result.ok) return result;
    const valid = result.rows.filter((r) => r.problems.length === 0);
    return { ...result, questions: this.policyFor(valid)?.questions ?? [] };
  }

  /** The policy the valid rows would be filed under, as one batch. */
  private policyFor(rows: readonly Pick<PreviewRow, 'email' | 'groups'>[]) {
    if (!this.deps.policies || rows.length === 0) return undefined;
    return this.deps.policies.book.match(subjectOf({ kind: 'batch', details: batchDetails(rows, '', { aadObjectId: '', name: '' }) }))?.policy;
  }

  async file(
    actor: Person,
    tenantId: string,
    input: { csv: string; justification: string; answers?: Readonly<Record<string, string>> },
    source: string,
  ): Promise<FileBatchResult> {
    const { store, router, clock } = this.deps;
    this.deps.capabilities.require('invite');
    const justificationProblem = checkJustification(input.justification);
    if (justificationProblem) return { ok: false, message: justificationProblem };
    const checked = await this.deps.preview.preview(input.csv);
    if (!checked.ok) return checked;
    const valid = checked.rows.filter((r) => r.problems.length === 0);
    if (valid.length === 0)
      return { ok: false, message: 'No row of the file can be invited; correct the rows the preview names and try again.', rows: checked.rows };
    const policy = this.policyFor(valid);
    if (policy && policy.questions.length > 0) {
      const answered = checkAnswers(policy.questions, input.answers ?? {});
      if (!answered.ok) {
        return {
          ok: false,
          message: `Your batch was not sent: it falls under the policy "${policy.name}". ${Object.values(answered.errors).join(' ')}`,
          questionErrors: answered.errors,
        };
      }
    }
    // One batch is one filing, however many rows it has.
    const allowance = await this.deps.limits.fileRequest(actor.aadObjectId);
    if (!allowance.allowed) {
      return {
        ok: false,
        message: `Your batch was not sent: you have filed ${allowance.limit} requests within an hour, the most one person may. Send it again in ${describeWait(allowance.retryAfterMs)}.`,
      };
    }
    const rows: NewBatchRow[] = valid.map((r, i) => ({
      row: i + 1,
      line: r.line,
      email: r.email,
      displayName: r.displayName,
      message: r.message,
      groups: r.groups,
      accessUntil: r.accessUntil,
    }));
    const details = batchDetails(rows, input.justification.trim(), actor);
    if (policy && policy.questions.length > 0) {
      const answered = checkAnswers(policy.questions, input.answers ?? {});
      if (answered.ok && answered.answers.length > 0) details.answers = answered.answers;
    }
    const { groups, batch: summary = summarise(rows) } = details;
    const at = clock.now().toISOString();
    const audit = (action: string, requestId: string | undefined, detail: AuditEntry['detail']): AuditEntry => ({
      requestId,
      actor: action === 'request_created' ? actor.aadObjectId : 'system',
      action,
      source,
      detail,
      at: clock.now().toISOString(),
    });
    // Under a policy the batch is decided by its stages, the first one started now; otherwise by the approver group as today.
    const approval = await this.deps.policies?.stages.begin('batch', actor, details, at);
    const plan = approval ? undefined : await router.plan(actor, details);
    const request = await store.createBatchRequest(
      { id: this.deps.newId(), kind: 'batch', requester: actor, tenantId, details, context: {}, createdAt: at, ...(approval ? { approval } : {}) },
      rows,
      audit('request_created', undefined, {
        kind: 'batch',
        rows: rows.length,
        skipped: checked.invalid,
        groups: groups.length,
        domains: summary.domains.length,
        ...(approval ? { policy: approval.policy, stages: approval.stages.length, answers: details.answers?.length ?? 0 } : {}),
      }),
    );
    const reached = plan ? await router.deliver(request, plan) : ((await this.deps.policies?.stages.deliver(request)) ?? 0);
    await store.appendAudit(
      audit(
        reached > 0 ? 'approval_requested' : 'approval_unreachable',
        request.id,
        plan ? { reached, owners: false, fallback: false } : { reached, stage: 1 },
      ),
    );
    this.deps.logger.info({ requestId: request.id, rows: rows.length, skipped: checked.invalid }, 'batch filed');
    return { ok: true, request, filed: rows.length, skipped: checked.invalid, approversReached: reached };
  }

  /** A batch's rows, for its requester and for whoever may decide it; undefined otherwise (or for no such batch). */
  async rowsFor(actor: Person, requestId: string): Promise<{ request: AccessRequest; rows: BatchRow[] } | undefined> {
    const request = await this.deps.store.getRequest(requestId);
    if (!request || request.kind !== 'batch') return undefined;
    if (request.requester.aadObjectId !== actor.aadObjectId && !(await this.mayDecide(actor, request))) return undefined;
    return { request, rows: await this.deps.store.listBatchRows(requestId) };
  }

  /** Under a policy whoever may decide its current stage; otherwise the approver group (as for any request). */
  private async mayDecide(actor: Person, request: AccessRequest): Promise<boolean> {
    const { policies, router } = this.deps;
    if (request.approval && policies) return (await policies.stages.refusal(actor, request)) === undefined;
    return router.mayDecide(actor, request);
  }
}

/** What a batch asks for, as one request: every row's groups once each, the domains with their counts, one justification. */
function batchDetails(rows: readonly Pick<NewBatchRow, 'email' | 'groups'>[], justification: string, requester: Person): InviteDetails {
  return {
    email: '',
    displayName: `${rows.length} guest${rows.length === 1 ? '' : 's'}`,
    message: '',
    groups: [...new Map(rows.flatMap((r) => r.groups).map((g) => [g.id, g])).values()],
    justification,
    sponsor: requester,
    batch: summarise(rows),
  };
}
