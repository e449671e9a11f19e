/**
 * Invite many: the preview of a CSV file (every row's checks, nothing filed), filing its valid
 * rows as one batch request, and a batch's rows with their state. The file travels as text in the
 * JSON body, capped a little above the CSV size cap so the parser names an oversized file itself.
 */
import { z } from 'zod';
import type { BatchRequests } from '../../services/requests/batches/batchRequests';
import type { PreviewRow } from '../../services/requests/batches/batchPreview';
import { MAX_CSV_BYTES } from '../../services/requests/batches/csv';
import type { BatchRow } from '../../services/requests/batches/model';
import { LIMITS } from '../../services/requests/inviteValidation';
import { MAX_ANSWER } from '../../services/requests/policies/questions';
import { defineRoute, ok, refused, type TabRoute } from './tabApi';
import { requestView } from './views';

const REQUEST_ID = z.string().min(1).max(40);
/** JSON escaping can double a file's size at worst (quotes and line breaks); the parser names a file over its cap. */
const MAX_BATCH_BODY_BYTES = 2 * MAX_CSV_BYTES + 4096;
const CSV = z.string().max(MAX_CSV_BYTES + 1);

export interface PreviewRowView {
  line: number;
  email: string;
  displayName: string;
  groups: string[];
  accessUntil?: string;
  problems: string[];
}

export interface BatchRowView {
  row: number;
  line: number;
  email: string;
  displayName: string;
  groups: string[];
  accessUntil?: string;
  state: BatchRow['state'];
  /** Why the row failed (Graph's reason, or the policy's). */
  error?: string;
  /** The guest was in the directory already: no invitation was sent. */
  alreadyAGuest?: boolean;
}

function previewRowView(row: PreviewRow): PreviewRowView {
  const view: PreviewRowView = { line: row.line, email: row.email, displayName: row.displayName, groups: row.groupNames, problems: row.problems };
  if (row.accessUntil) view.accessUntil = row.accessUntil;
  return view;
}

function batchRowView(row: BatchRow): BatchRowView {
  const view: BatchRowView = {
    row: row.row,
    line: row.line,
    email: row.email,
    displayName: row.displayName,
    groups: row.groups.map((g) => g.displayName),
    state: row.state,
  };
  if (row.accessUntil) view.accessUntil = row.accessUntil;
  if (row.error) view.error = row.error;
  if (row.progress.existing) view.alreadyAGuest = true;
  return view;
}

export function batchRoutes(deps: { batches: BatchRequests }): TabRoute[] {
  const { batches } = deps;
  return [
    defineRoute({
      method: 'post',
      path: '/batches/preview',
      body: z.object({ csv: CSV }).strict(),
      maxBodyBytes: MAX_BATCH_BODY_BYTES,
      async handle(_call, { body }) {
        const result = await batches.preview(body.csv);
        if (!result.ok) return refused(400, result.message);
        return ok({ rows: result.rows.map(previewRowView), valid: result.valid, invalid: result.invalid, questions: result.questions });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/batches',
      body: z
        .object({
          csv: CSV,
          justification: z.string().max(LIMITS.justification * 2),
          // Answers to the policy's questions, by question id; checked against the policy the batch falls under.
          answers: z.record(z.string().max(64), z.string().max(MAX_ANSWER * 2)).optional(),
        })
        .strict(),
      maxBodyBytes: MAX_BATCH_BODY_BYTES,
      async handle(call, { body }) {
        const result = await batches.file(call.actor, call.tenantId, body, call.source);
        if (!result.ok) {
          const extra = {
            ...(result.rows ? { rows: result.rows.map(previewRowView) } : {}),
            ...(result.questionErrors ? { questionErrors: result.questionErrors } : {}),
          };
          return { status: 400, body: { error: result.message, ...extra } };
        }
        return ok({
          request: requestView(result.request, call.actor),
          filed: result.filed,
          skipped: result.skipped,
          approversReached: result.approversReached,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/batches/:requestId',
      async handle(call, { params }) {
        const id = REQUEST_ID.safeParse(params.requestId);
        if (!id.success) return refused(400, 'That is not a request id.');
        const found = await batches.rowsFor(call.actor, id.data);
        if (!found) return refused(404, 'There is no such batch among those you filed or may decide.');
        return ok({ request: requestView(found.request, call.actor), rows: found.rows.map(batchRowView) });
      },
    }),
  ];
}
