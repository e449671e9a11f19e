/**
 * Invite many: a CSV file is read in the browser, previewed by the server (every row's checks,
 * nothing filed), and its valid rows sent for approval as one batch with one justification. A
 * filed batch shows its rows with their state (queued, done, failed with Graph's reason).
 */
import { ApiError, problemText } from '../api';
import { append, button, h, notice, replace } from '../dom';
import type { BatchRow, PolicyQuestion, PreviewAnswer, RequestView } from '../types';
import type { ViewContext } from './context';

/** The server's cap; said here too so a large file is refused before it is sent. */
const MAX_CSV_BYTES = 1024 * 1024;

export function inviteManyPanel(ctx: ViewContext, onFiled: (requestId: string) => void, onClose: () => void): HTMLElement {
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const preview = h('div', { className: 'batch-preview' });
  const file = h('input', { attrs: { type: 'file', accept: '.csv,text/csv', 'aria-label': 'CSV file' } });
  let csv = '';
  /** The answer inputs of the policy's questions, by question id; kept when the server refuses the batch. */
  let answerInputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const questionErrors = new Map<string, HTMLElement>();

  const justification = h('textarea', {
    className: 'justification',
    attrs: { rows: '3', maxlength: '1000', 'aria-label': 'Justification', placeholder: 'Why these guests need access: approvers decide on it.' },
  });

  file.addEventListener('change', () => void read());

  async function read(): Promise<void> {
    const chosen = file.files?.[0];
    replace(preview);
    if (!chosen) return;
    if (chosen.size > MAX_CSV_BYTES) {
      replace(status, notice('The file is larger than 1 MB; split it into files of at most 1000 guests.', 'error'));
      return;
    }
    csv = await chosen.text();
    replace(status, notice('Checking every row…'));
    try {
      const answer = await ctx.api.post<PreviewAnswer>('/batches/preview', { csv });
      replace(
        status,
        notice(
          `${answer.valid} of ${answer.rows.length} rows can be invited; ${answer.invalid} have problems and will be left out.`,
          answer.invalid > 0 ? 'info' : 'good',
        ),
      );
      showPreview(answer);
    } catch (error) {
      replace(status, notice(problemText(error), 'error'));
    }
  }

  function showPreview(answer: PreviewAnswer): void {
    const rows = answer.rows.map((r) =>
      h(
        'tr',
        { attrs: { 'data-state': r.problems.length === 0 ? 'valid' : 'invalid' } },
        h('td', null, String(r.line)),
        h('td', null, r.email),
        h('td', null, r.displayName),
        h('td', null, r.groups.join(', ')),
        h('td', null, r.accessUntil ?? ''),
        h('td', { className: r.problems.length === 0 ? 'good' : 'bad' }, r.problems.length === 0 ? 'Ready' : r.problems.join(' ')),
      ),
    );
    const send = button(`Send ${answer.valid} for approval`, () => void fileBatch(), { kind: 'primary' });
    send.disabled = answer.valid === 0;
    replace(
      preview,
      table(['Line', 'Address', 'Name', 'Groups', 'Until', 'Check'], rows),
      h('label', null, 'Justification (one for the whole batch)', justification),
      ...questionFields(answer.questions),
      h('div', { className: 'actions' }, send),
    );
  }

  /** The approval policy's questions, asked once for the whole batch. */
  function questionFields(questions: readonly PolicyQuestion[]): HTMLElement[] {
    answerInputs = new Map();
    questionErrors.clear();
    return questions.map((q) => {
      const input =
        q.type === 'choice'
          ? h(
              'select',
              { attrs: { 'aria-label': q.label } },
              h('option', { attrs: { value: '' } }, ''),
              ...(q.choices ?? []).map((c) => h('option', { attrs: { value: c } }, c)),
            )
          : h('input', { attrs: { type: q.type === 'date' ? 'date' : 'text', maxlength: '500', 'aria-label': q.label } });
      const error = h('div', { className: 'bad', attrs: { 'aria-live': 'polite' } });
      answerInputs.set(q.id, input);
      questionErrors.set(q.id, error);
      return h('label', null, `${q.label}${q.required ? ' (required)' : ''}`, input, error);
    });
  }

  function answers(): Record<string, string> {
    return Object.fromEntries([...answerInputs].map(([id, input]) => [id, input.value]));
  }

  async function fileBatch(): Promise<void> {
    try {
      for (const error of questionErrors.values()) replace(error);
      const answer = await ctx.api.post<{ request: RequestView; filed: number; skipped: number }>('/batches', {
        csv,
        justification: justification.value,
        answers: answers(),
      });
      replace(status, notice(`Sent ${answer.filed} guests for approval as ${answer.request.id}.`, 'good'));
      replace(preview);
      onFiled(answer.request.id);
    } catch (error) {
      // Everything typed stays; each question the policy needs answered says so next to it.
      const named = error instanceof ApiError ? (error.body.questionErrors as Record<string, string> | undefined) : undefined;
      for (const [id, text] of Object.entries(named ?? {})) {
        const place = questionErrors.get(id);
        if (place) replace(place, text);
      }
      replace(status, notice(problemText(error), 'error'));
    }
  }

  return h(
    'section',
    { className: 'invite-many', attrs: { 'aria-label': 'Invite many' } },
    h('h3', null, 'Invite many'),
    h(
      'p',
      { className: 'subtle' },
      'A CSV file with the columns email and displayName, and optionally groups (names separated by ;), message and until (YYYY-MM-DD); up to 1000 rows.',
    ),
    h('div', { className: 'actions' }, file, button('Close', onClose)),
    status,
    preview,
  );
}

/** A filed batch's progress and rows, in its request's details. */
export async function batchDetails(body: HTMLElement, request: RequestView, ctx: ViewContext): Promise<void> {
  const progress = request.batch?.progress;
  if (progress) {
    append(body, h('p', { className: 'line' }, `${progress.done} done, ${progress.failed} failed, ${progress.waiting} waiting, of ${progress.total}.`));
  }
  try {
    const answer = await ctx.api.get<{ rows: BatchRow[] }>(`/batches/${encodeURIComponent(request.id)}`);
    const stateText = (r: BatchRow) =>
      r.state === 'failed'
        ? `Failed: ${r.error ?? 'no reason was given'}`
        : r.state === 'done'
          ? r.alreadyAGuest
            ? 'Done (already a guest)'
            : 'Invited'
          : 'Waiting';
    const rows = answer.rows.map((r) =>
      h(
        'tr',
        { attrs: { 'data-state': r.state } },
        h('td', null, String(r.line)),
        h('td', null, r.email),
        h('td', null, r.displayName),
        h('td', null, r.groups.join(', ')),
        h('td', { className: r.state === 'failed' ? 'bad' : r.state === 'done' ? 'good' : '' }, stateText(r)),
      ),
    );
    append(body, table(['Line', 'Address', 'Name', 'Groups', 'Outcome'], rows));
  } catch (error) {
    append(body, notice(problemText(error), 'error'));
  }
}

function table(headings: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    'div',
    { className: 'table-scroll' },
    h('table', { className: 'rows' }, h('thead', null, h('tr', null, ...headings.map((t) => h('th', null, t)))), h('tbody', null, ...rows)),
  );
}
