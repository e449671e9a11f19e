/**
 * The bot's permission declaration against the simulator's own copy, and against what the Graph
 * layer really sends: each declared call needs the same permissions in both, and every request the
 * Graph layer makes is a declared call.
 */
import { createGraphClient } from '../../../services/directory/graphClient';
import { GraphDirectory } from '../../../services/directory/graphDirectory';
import { deleteUserRequest, disableUserRequest } from '../../../services/directory/guestQueries';
import { graphOperations, type GraphOperation } from '../../../services/directory/permissions';
import {
  DEMO_BOT_APP_ID,
  DEMO_GROUP_IDS,
  DEMO_GUEST_IDS,
  DEMO_SERVICE_PRINCIPAL_IDS,
  DEMO_USER_IDS,
  ROLE_TEMPLATE_IDS,
  loadDemoSeed,
  withGeneratedGuests,
  requiredPermissions,
  startSimulator,
  type PermissionRequirement,
  type RunningSimulator,
} from '../../../simulator';

const GUID = '11111111-2222-4333-8444-555555555555';
const PORTAL_READER = 'ee7f21b6-09b0-4fcc-a52e-726c1f589aeb';

function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/\{\w+\}/g, GUID));
}

/** Requirements compared as sets of sets. */
function normalised(requirements: PermissionRequirement | readonly (readonly string[])[]): string[] {
  return requirements.map((anyOf) => [...anyOf].sort().join(' | ')).sort();
}

function requestOf(operation: GraphOperation) {
  const variant = operation.variant;
  const query = new Map<string, string>(variant && 'select' in variant ? [['$select', 'id,signInActivity']] : []);
  const body = variant && 'body' in variant ? { resetRedemption: true } : operation.method === 'POST' ? {} : undefined;
  return { query, body };
}

/** Which declared call a logged request (`GET /v1.0/users/…?… -> 200`) is, by method and path. */
function declaredCallOf(line: string): string | undefined {
  const match = /^(\w+) \/v1\.0([^? ]*)/.exec(line);
  if (!match) return undefined;
  const [, method, rawPath] = match;
  const segments = rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const operation = graphOperations().find((o) => {
    const template = o.path.split('/').filter((s) => s !== '');
    return (
      o.method === method &&
      template.length === segments.length &&
      template.every((t, i) => new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`, 'i').test(segments[i]))
    );
  });
  return operation?.name;
}

describe('the permission declaration and the simulator', () => {
  it('need the same permissions for every call the bot declares', () => {
    const differences: string[] = [];
    for (const operation of graphOperations()) {
      const simulator = requiredPermissions(operation.method, segmentsOf(operation.path), requestOf(operation));
      if (!simulator) {
        differences.push(`${operation.name}: the simulator does not serve ${operation.method} ${operation.path}`);
        continue;
      }
      const ours = normalised(operation.requires);
      const theirs = normalised(simulator);
      if (JSON.stringify(ours) !== JSON.stringify(theirs))
        differences.push(`${operation.name}: bot ${JSON.stringify(ours)} vs simulator ${JSON.stringify(theirs)}`);
    }
    expect(differences).toEqual([]);
  });
});

describe('every request of the Graph layer', () => {
  let sim: RunningSimulator;
  let directory: GraphDirectory;
  const lines: string[] = [];

  const called = new Set<string>();

  beforeAll(async () => {
    // More guests than a page holds, so that the listing has a next page to read.
    sim = await startSimulator({ port: 0, seed: withGeneratedGuests(loadDemoSeed(), 600), log: (line) => lines.push(line) });
    const real = new GraphDirectory(createGraphClient({ baseUrl: sim.url, maxRetries: 0 }), sim.url);
    // Notes which methods the test below calls, so that a new Graph method cannot go unchecked.
    directory = new Proxy(real, {
      get(target, property, receiver) {
        if (typeof property === 'string') called.add(property);
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  });

  afterAll(() => sim.close());

  it('is a declared call', async () => {
    await directory.findUsersByEmail('jane.doe@fabrikam.com');
    await directory.findUsersByEmails(['jane.doe@fabrikam.com', 'alexw@example.com']);
    await directory.findGroupsByNames(['Project Falcon', 'Contractors']);
    await directory.countGuestsFromDomain('fabrikam.com');
    await directory.listAssignableGroups(10);
    await directory.searchAssignableGroups('Pro', 5);
    await directory.getAssignableGroups([DEMO_GROUP_IDS.projectFalcon]);
    await directory.listUserMembers(DEMO_GROUP_IDS.approvers);
    await directory.listNestedGroups(DEMO_GROUP_IDS.admins);
    await directory.listRoleAssignableGroups();
    await directory.checkGroupMemberGroups(DEMO_GROUP_IDS.projectFalcon, [DEMO_GROUP_IDS.approvers, DEMO_GROUP_IDS.admins]);
    await directory.checkMemberGroups(DEMO_USER_IDS.adeleVance, [DEMO_GROUP_IDS.admins]);
    await directory.getRoleDefinitions([ROLE_TEMPLATE_IDS.guestInviter]);
    await directory.directoryRolesOf(DEMO_USER_IDS.lynneRobbins);
    const invited = await directory.invite({
      email: 'ola.berg@fabrikam.com',
      displayName: 'Ola Berg',
      message: '',
      redirectUrl: 'https://myapps.microsoft.com',
    });
    await directory.addGroupMember(DEMO_GROUP_IDS.projectFalcon, invited.guestId);
    await directory.assignDirectoryRole(ROLE_TEMPLATE_IDS.guestInviter, invited.guestId);
    await directory.listApps(10);
    await directory.searchApps('Exp', 5);
    const app = await directory.getApp(DEMO_SERVICE_PRINCIPAL_IDS.expenseHub);
    await directory.listAppOwners(DEMO_SERVICE_PRINCIPAL_IDS.expenseHub);
    await directory.getUserById(invited.guestId);
    await directory.searchGuests('Jane', 5);
    await directory.assignAppRole(DEMO_SERVICE_PRINCIPAL_IDS.expenseHub, invited.guestId, app!.userRoles[0].id);
    await directory.listAppRoleAssignments(invited.guestId);
    const first = await directory.listGuests({ withSignInActivity: true });
    await directory.listGuests({ state: 'Accepted' });
    expect(first.nextLink).toBeDefined();
    await directory.nextGuests(first.nextLink!);
    await directory.getGuest(DEMO_GUEST_IDS.janeDoeFabrikam, true);
    await directory.getGuest(DEMO_GUEST_IDS.janeDoeFabrikam, false);
    await directory.listMemberships(DEMO_GUEST_IDS.janeDoeFabrikam);
    await directory.listSponsors(DEMO_GUEST_IDS.janeDoeFabrikam);
    await directory.getManager(DEMO_USER_IDS.alexWilber);
    await directory.reinvite({
      email: 'jane.doe@fabrikam.com',
      guestId: DEMO_GUEST_IDS.janeDoeFabrikam,
      redirectUrl: 'https://myapps.microsoft.com',
      resetRedemption: true,
    });
    await directory.send(disableUserRequest(DEMO_GUEST_IDS.raviKumarFabrikam));
    await directory.send(deleteUserRequest(DEMO_GUEST_IDS.raviKumarFabrikam));
    await directory.addSponsor(invited.guestId, { kind: 'user', id: DEMO_USER_IDS.alexWilber });
    await directory.removeSponsor(invited.guestId, DEMO_USER_IDS.alexWilber);
    const role = await directory.assignDirectoryRole(ROLE_TEMPLATE_IDS.directoryReaders, invited.guestId);
    if (role.outcome === 'assigned') await directory.removeDirectoryRoleAssignment(role.assignmentId);
    const assignment = await directory.assignAppRole(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal, invited.guestId, PORTAL_READER);
    if (assignment.outcome === 'assigned') await directory.removeAppRoleAssignment(DEMO_SERVICE_PRINCIPAL_IDS.partnerPortal, assignment.assignmentId);
    await directory.removeGroupMember(DEMO_GROUP_IDS.projectFalcon, invited.guestId);
    await directory.readUsersPresence([DEMO_USER_IDS.alexWilber, invited.guestId]);
    await directory.readGuestAccess([invited.guestId, DEMO_GUEST_IDS.janeDoeFabrikam]);
    await directory.readSponsorsOf([DEMO_GUEST_IDS.janeDoeFabrikam]);
    await directory.graphPermissionNames();
    await directory.grantedAppRoles(DEMO_BOT_APP_ID);

    expect(lines.length).toBeGreaterThan(30);
    // A request inside a $batch is logged on a line of its own, and must be declared as well.
    const requests = lines.map((line) => line.replace(/^\$batch /, ''));
    expect(requests.filter((line) => declaredCallOf(line) === undefined)).toEqual([]);
    // And the declaration has no call the Graph layer never makes.
    const made = new Set(requests.map(declaredCallOf));
    expect(
      graphOperations()
        .filter((o) => !made.has(o.name) && o.variant === undefined)
        .map((o) => o.name),
    ).toEqual([]);
    // And every method of the Graph layer was called above (helpers that send nothing themselves excepted).
    const helpers = new Set([
      'constructor',
      'urlOf',
      'referenceTo',
      'transitiveMembersOfType',
      'guestPage',
      'collect',
      'relativeNextLink',
      'get',
      'call',
      'removal',
      'pagedBatchValue',
    ]);
    const methods = Object.getOwnPropertyNames(GraphDirectory.prototype).filter((name) => !helpers.has(name));
    expect(methods.filter((name) => !called.has(name))).toEqual([]);
  });
});
