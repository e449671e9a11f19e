/**
 * Who the caller is and which views the tab offers them: My requests to everyone, To decide to
 * approvers (and to app owners while something of theirs waits), Guests to admins. Only a choice of
 * tabs: every view's own calls check the person's roles again.
 */
import type { RoleService } from '../../services/directory/roles';
import type { RequestWorkflow } from '../../services/requests/requestWorkflow';
import { defineRoute, ok, type TabRoute } from './tabApi';

export function profileRoutes(deps: { workflow: Pick<RequestWorkflow, 'listPendingFor'>; roles: Pick<RoleService, 'rolesOf'> }): TabRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/me',
      async handle(call) {
        const roles = await deps.roles.rolesOf(call.actor.aadObjectId);
        const toDecide = roles.approver || (await deps.workflow.listPendingFor(call.actor)) !== undefined;
        return ok({ name: call.actor.name, views: { myRequests: true, toDecide, guests: roles.admin } });
      },
    }),
  ];
}
