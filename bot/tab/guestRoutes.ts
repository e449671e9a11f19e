/**
 * Guests, for admins: totals by state and domain, the listing of `guests` (the same filters and the
 * same server-side cursors, one page of rows at a time), one guest as the `guest` card shows them,
 * and Resend, Disable and Delete with the revoke card's plan, dry run and confirmation. Every call
 * goes to the admins' services, which check the admin group each time and audit refusals.
 *
 * Resend, Disable and Delete are queued as jobs, as the chat's buttons are: the answer (202) names
 * the job, and the tab asks `/guests/writes/:jobId` for its result, which only the admin who queued
 * it can read.
 */
import { z } from 'zod';
import { guestWriteRefusedTitle, guestWriteWorkingTitle } from '../../cards/guestWriteCards';
import type { AdminOutcome, GuestAdmin, GuestWriteStatus, QueuedWrite } from '../../services/guests/guestAdmin';
import type { PendingItem } from '../../services/guests/guestModel';
import type { GuestTotalsService } from '../../services/guests/guestTotals';
import type { GuestWriteResult } from '../../services/guests/guestWrites';
import type { Person } from '../../services/requests/model';
import { defineRoute, fromOutcome, refused, type TabReply, type TabRoute } from './tabApi';
import { requestView } from './views';

/** Filter words as typed after `guests`; the service parses them and names any it does not know. */
const FILTER_MAX = 200;
const GUEST_ID = z.string().min(1).max(64);
const JOB_ID = z.string().min(1).max(64);
const operationBody = z.object({ operation: z.enum(['disable', 'delete']) });

/** The tab has no card for the worker to update: it asks for the result by the job's id. */
const TO_THE_TAB = { tab: true } as const;

export function guestRoutes(deps: { guestAdmin: GuestAdmin; totals: GuestTotalsService }): TabRoute[] {
  const { guestAdmin, totals } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/guests/totals',
      async handle(call) {
        return fromOutcome(await totals.totals(call.actor, call.source));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/guests',
      async handle(call, { query }) {
        const filter = query.get('filter') ?? '';
        if (filter.length > FILTER_MAX) return refused(400, 'The filter is too long.');
        return fromOutcome(await guestAdmin.listGuests(call.actor, filter, call.source));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/guests/pages/:cursorId',
      async handle(call, { params }) {
        return fromOutcome(await guestAdmin.openGuestPage(call.actor, (params.cursorId ?? '').slice(0, 200), call.source));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/guests/one',
      async handle(call, { query }) {
        const email = (query.get('email') ?? '').slice(0, 320);
        return fromOutcome(await guestAdmin.inspect(call.actor, email, call.source));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/guests/revoke-plan',
      async handle(call, { query }) {
        const email = (query.get('email') ?? '').slice(0, 320);
        return fromOutcome(await guestAdmin.planRevoke(call.actor, email, call.source));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/guests/:guestId/dry-run',
      body: operationBody,
      async handle(call, { params, body }) {
        const id = GUEST_ID.safeParse(params.guestId);
        if (!id.success) return refused(400, 'That is not a guest id.');
        return fromOutcome(await guestAdmin.dryRun(call.actor, id.data, body.operation, call.source));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/guests/:guestId/revoke',
      // `confirm` is what the confirmation sends: a revoke is never one click away from the list.
      body: operationBody.extend({ confirm: z.literal(true) }),
      async handle(call, { params, body }) {
        const id = GUEST_ID.safeParse(params.guestId);
        if (!id.success) return refused(400, 'That is not a guest id.');
        return queued(await guestAdmin.queueRevoke(call.actor, id.data, body.operation, call.source, TO_THE_TAB));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/guests/:guestId/resend',
      body: z.object({ confirm: z.literal(true) }),
      async handle(call, { params }) {
        const id = GUEST_ID.safeParse(params.guestId);
        if (!id.success) return refused(400, 'That is not a guest id.');
        // The tab is the admin's own view, like a 1:1 chat: the new redeem link may be shown there.
        return queued(await guestAdmin.queueResend(call.actor, id.data, call.source, true, TO_THE_TAB));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/guests/writes/:jobId',
      async handle(call, { params }) {
        const id = JOB_ID.safeParse(params.jobId);
        if (!id.success) return refused(404, 'There is no such change of yours.');
        return fromOutcome(await guestAdmin.guestWrite(call.actor, id.data, call.source), guestWriteView);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/pending',
      async handle(call) {
        const items = await guestAdmin.pendingOverview(call.actor);
        if (!items) return refused(403, 'Only members of the guest access admin group can see every pending request.');
        return fromOutcome({ kind: 'ok', value: items }, (value) => value.map((item) => pendingView(item, call.actor)));
      },
    }),
  ];
}

/** A queued write: accepted, not done yet; the tab follows it at `/guests/writes/:jobId`. */
function queued(outcome: AdminOutcome<QueuedWrite>): TabReply {
  const reply = fromOutcome(outcome, (write) => guestWriteView({ jobId: write.jobId, operation: write.operation, state: 'working' }));
  return reply.status === 200 ? { ...reply, status: 202 } : reply;
}

/** A write as the tab shows it, in the words of the chat card the same write would update. */
export interface GuestWriteView {
  jobId: string;
  operation: GuestWriteStatus['operation'];
  state: GuestWriteStatus['state'];
  /** While working: "Disabling sign-in…". */
  working?: string;
  /** Once done; absent for a job that ended without a result it could keep. */
  result?: Exclude<GuestWriteResult, { kind: 'refused' }> | { kind: 'refused'; title: string; message: string };
}

function guestWriteView(status: Pick<GuestWriteStatus, 'jobId' | 'operation' | 'state' | 'result'>): GuestWriteView {
  const view: GuestWriteView = { jobId: status.jobId, operation: status.operation, state: status.state };
  if (status.state === 'working') view.working = guestWriteWorkingTitle(status.operation);
  const result = status.result;
  if (result) {
    view.result = result.kind === 'refused' ? { kind: 'refused', title: guestWriteRefusedTitle(result.outcome.kind), message: result.outcome.message } : result;
  }
  return view;
}

function pendingView(item: PendingItem, viewer: Person) {
  return {
    request: requestView(item.request, viewer),
    ageMinutes: item.ageMinutes,
    approvers: item.approvers?.map((a) => a.displayName),
    delivery: item.delivery,
  };
}
