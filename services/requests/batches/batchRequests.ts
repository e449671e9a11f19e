/**
 * Filing a batch: the preview again on the server (the browser's copy is never trusted), then the
 * valid rows as one request of kind `batch` with one justification, counted as one filing, sent to
 * the approver group like any request. Deciding it goes through RequestWorkflow's approve and deny.
 */
import type { Capabilities } from '../../directory/capabilities';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import type { PersonLimits } from '../../platform/rateLimits';
import type { ApprovalRouter } from '../approvalRouting';
import { checkJustification, domainOf } from '../inviteValidation';
import type { AccessRequest, AuditEntry, BatchSummary, InviteDetails, NamedRef, Person } from '../model';
import type { Store } from '../../store/store';
import type { BatchPreview, PreviewRow } from './batchPreview';
import type { BatchRow, NewBatchRow } from './model';

export type FileBatchResult =
  { ok: false; message: string; rows?: PreviewRow[] } | { ok: true; request: AccessRequest; filed: number; skipped: number; approversReached: number };

/** What a batch asks for, in the shape approval policies match on. */
export interface BatchSubject {
  kind: 'batch';
  /** Every domain among the rows, once each. */
  domains: string[];
  /** Every group any row asks for, once each. */
  groups: NamedRef[];
  apps: [];
  directoryRole?: NamedRef;
}

/** The subject policies match a batch on: its domains and groups as a whole (the strictest matching policy applies). */
export function batchSubject(request: Pick<AccessRequest, 'details'>): BatchSubject {
  const subject: BatchSubject = {
    kind: 'batch',
    domains: (request.details.batch?.domains ?? []).map((d) => d.domain),
    groups: request.details.groups,
    apps: [],
  };
  if (request.details.directoryRole) subject.directoryRole = request.details.directoryRole;
  return subject;
}

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
      limits: Pick<PersonLimits, 'fileRequest'>;
      capabilities: Pick<Capabilities, 'require'>;
      clock: Clock;
      newId: () => string;
      logger: Logger;
    },
  ) {}

  preview(csv: string) {
    return this.deps.preview.preview(csv);
  }

  async file(actor: Person, tenantId: string, input: { csv: string; justification: string }, source: string): Promise<FileBatchResult> {
    const { store, router, clock } = this.deps;
    this.deps.capabilities.require('invite');
    const justificationProblem = checkJustification(input.justification);
    if (justificationProblem) return { ok: false, message: justificationProblem };
    const checked = await this.deps.preview.preview(input.csv);
    if (!checked.ok) return checked;
    const valid = checked.rows.filter((r) => r.problems.length === 0);
    if (valid.length === 0)
      return { ok: false, message: 'No row of the file can be invited; correct the rows the preview names and try again.', rows: checked.rows };
    // One batch is one filing, however many rows it has.
    const allowance = await this.deps.limits.fileRequest(actor.aadObjectId);
    if (!allowance.allowed) {
      const minutes = Math.max(1, Math.ceil(allowance.retryAfterMs / 60_000));
      return {
        ok: false,
        message: `Your batch was not sent: you have filed ${allowance.limit} requests within an hour, the most one person may. Send it again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
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
    const groups = [...new Map(rows.flatMap((r) => r.groups).map((g) => [g.id, g])).values()];
    const summary = summarise(rows);
    const details: InviteDetails = {
      email: '',
      displayName: `${rows.length} guest${rows.length === 1 ? '' : 's'}`,
      message: '',
      groups,
      justification: input.justification.trim(),
      sponsor: actor,
      batch: summary,
    };
    const at = clock.now().toISOString();
    const audit = (action: string, requestId: string | undefined, detail: AuditEntry['detail']): AuditEntry => ({
      requestId,
      actor: action === 'request_created' ? actor.aadObjectId : 'system',
      action,
      source,
      detail,
      at: clock.now().toISOString(),
    });
    const plan = await router.plan(actor, details);
    const request = await store.createBatchRequest(
      { id: this.deps.newId(), kind: 'batch', requester: actor, tenantId, details, context: {}, createdAt: at },
      rows,
      audit('request_created', undefined, {
        kind: 'batch',
        rows: rows.length,
        skipped: checked.invalid,
        groups: groups.length,
        domains: summary.domains.length,
      }),
    );
    const reached = await router.deliver(request, plan);
    await store.appendAudit(audit(reached > 0 ? 'approval_requested' : 'approval_unreachable', request.id, { reached, owners: false, fallback: false }));
    this.deps.logger.info({ requestId: request.id, rows: rows.length, skipped: checked.invalid }, 'batch filed');
    return { ok: true, request, filed: rows.length, skipped: checked.invalid, approversReached: reached };
  }

  /** A batch's rows, for its requester and for whoever may decide it; undefined otherwise (or for no such batch). */
  async rowsFor(actor: Person, requestId: string): Promise<{ request: AccessRequest; rows: BatchRow[] } | undefined> {
    const request = await this.deps.store.getRequest(requestId);
    if (!request || request.kind !== 'batch') return undefined;
    if (request.requester.aadObjectId !== actor.aadObjectId && !(await this.deps.router.mayDecide(actor, request))) return undefined;
    return { request, rows: await this.deps.store.listBatchRows(requestId) };
  }
}
