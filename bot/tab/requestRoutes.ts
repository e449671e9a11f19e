/**
 * My requests: the caller's own requests and their timelines, Cancel, and the New request dialog's
 * form. The dialog renders the very card the chat sends (`inviteFormCard`, `appAccessFormCard`) and
 * files through the same workflow call, so a rejected form comes back the same way: as the card,
 * with the values kept and each problem next to its field.
 */
import { z } from 'zod';
import { appAccessFormCard } from '../../cards/appAccessFormCard';
import { inviteFormCard } from '../../cards/inviteFormCard';
import { DATASETS, parseSubmission, VERBS } from '../../cards/verbs';
import type { PersonLimits } from '../../services/platform/rateLimits';
import type { RequestHistory } from '../../services/requests/requestHistory';
import type { InviteForm, RequestWorkflow } from '../../services/requests/requestWorkflow';
import { formValues } from '../actions/formValues';
import { alreadyDecidedNotice } from '../actions/decisionResponse';
import { defineRoute, ok, refused, type TabRoute } from './tabApi';
import { historyView, requestView } from './views';

const REQUEST_ID = z.string().min(1).max(40);
const FORM_KIND = z.enum(['invite', 'appAccess']);

/**
 * The chat's submit verb of each form: the dialog sends what the card's inputs hold, and it is
 * parsed with that verb's schema from the verb table, exactly as a click on Send in chat is.
 */
const SUBMIT_VERB = { invite: VERBS.submitInvite, appAccess: VERBS.submitAppAccess } as const satisfies Record<z.infer<typeof FORM_KIND>, string>;

/** Typeahead text, as short as the chat's search invoke allows. */
const SEARCH_TEXT_MAX = 200;

const NOT_FOUND = 'There is no such request among yours.';

function formCard(form: InviteForm) {
  return form.kind === 'invite' ? inviteFormCard(form) : appAccessFormCard(form);
}

export function requestRoutes(deps: { workflow: RequestWorkflow; history: RequestHistory; limits: Pick<PersonLimits, 'search'> }): TabRoute[] {
  const { workflow, history, limits } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/requests/mine',
      async handle(call) {
        const requests = await history.filedBy(call.actor);
        return ok({ requests: requests.map((r) => requestView(r, call.actor)) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/requests/:requestId/timeline',
      async handle(call, { params }) {
        const id = REQUEST_ID.safeParse(params.requestId);
        if (!id.success) return refused(400, 'That is not a request id.');
        const result = await history.timeline(call.actor, id.data);
        if (result.kind !== 'ok') return refused(404, NOT_FOUND);
        return ok({ request: requestView(result.request, call.actor), timeline: historyView(result.entries) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/requests/:requestId/cancel',
      body: z.object({}).strict(),
      async handle(call, { params }) {
        const id = REQUEST_ID.safeParse(params.requestId);
        if (!id.success) return refused(400, 'That is not a request id.');
        const result = await workflow.cancel(call.actor, id.data, call.source);
        switch (result.kind) {
          case 'decided':
            return ok({ request: requestView(result.request, call.actor) });
          case 'alreadyDecided':
            return { status: 409, body: { error: alreadyDecidedNotice(result.request), request: requestView(result.request, call.actor) } };
          case 'forbidden':
            return refused(403, result.message);
          case 'notFound':
            return refused(404, NOT_FOUND);
          case 'invalid':
          case 'refusedByPolicy':
            return refused(400, result.message);
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/forms/:kind',
      async handle(_call, { params }) {
        const kind = FORM_KIND.safeParse(params.kind);
        if (!kind.success) return refused(404, 'There is no such form.');
        const form = kind.data === 'invite' ? await workflow.openInviteForm() : await workflow.openAppAccessForm();
        return ok({ card: formCard(form) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/forms/:kind',
      body: z.object({ values: z.record(z.string(), z.unknown()) }),
      async handle(call, { params, body }) {
        const kind = FORM_KIND.safeParse(params.kind);
        if (!kind.success) return refused(404, 'There is no such form.');
        const values = parseSubmission(SUBMIT_VERB[kind.data], body.values);
        if (!values.success) return refused(400, `The request has an invalid ${invalidFields(values.error, 'values')}.`);
        const result = await workflow.submit(call.actor, call.tenantId, kind.data, formValues(values.data), call.source);
        if (!result.ok) return ok({ filed: false, card: formCard(result.form) });
        return ok({
          filed: true,
          request: requestView(result.request, call.actor),
          approversReached: result.approversReached,
          selfService: result.selfService === true,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/search/:dataset',
      async handle(call, { params, query }) {
        const text = (query.get('q') ?? '').slice(0, SEARCH_TEXT_MAX);
        // As in chat: beyond the allowance the answer is empty, and the next keystroke asks again.
        const allowance = await limits.search(call.actor.aadObjectId);
        if (!allowance.allowed) return ok({ results: [] });
        switch (params.dataset) {
          case DATASETS.groups:
            return ok({ results: (await workflow.searchGroups(text)).map((g) => ({ title: g.displayName, value: g.id })) });
          case DATASETS.guests:
            return ok({ results: (await workflow.searchGuests(text)).map((g) => ({ title: g.displayName, value: g.id })) });
          case DATASETS.appRoles:
            return ok({ results: await workflow.searchAppRoles(text) });
          default:
            return refused(404, 'There is no such search.');
        }
      },
    }),
  ];
}

/** The fields a schema refused, as the tab API names them for every body (`values.email`). */
function invalidFields(error: z.ZodError, under: string): string {
  return [...new Set(error.issues.map((issue) => [under, ...issue.path.map(String)].join('.')))].join(', ');
}
