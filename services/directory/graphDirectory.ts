import type { Client } from '@microsoft/microsoft-graph-client';
import type { NamedRef } from '../requests/model';
import { GraphFailure, parseRetryAfter, toGraphFailure } from './graphErrors';
import { GUEST_FIELDS, guestListPath, reinviteRequest, type DirectoryGuest, type GraphWrite, type GuestQuery, type ReinviteInput } from './guestQueries';
import { odataString, pathSegment, queryString } from './odata';
import { MICROSOFT_GRAPH_APP_ID } from './permissions';

export interface DirectoryUser {
  id: string;
  displayName: string;
  mail: string | null;
  otherMails: string[];
  userPrincipalName: string;
  userType: 'Member' | 'Guest' | null;
  externalUserState: string | null;
  accountEnabled: boolean | null;
}

export interface DirectoryGroup extends NamedRef {
  description: string | null;
}

export interface Invitation {
  guestId: string;
  redeemUrl: string;
}

export interface InviteInput {
  email: string;
  displayName: string;
  message: string;
  redirectUrl: string;
  /** Users or groups made the guest's sponsors at invitation (`invitedUserSponsors`), so Entra shows them. */
  sponsorIds?: readonly string[];
}

/** Who is answerable for a guest: a person, or a group (the approvers, when a sponsor left). */
export interface SponsorRef {
  kind: 'user' | 'group';
  id: string;
}

/** What a write that gives something returns: the assignment made (its id, to remove it later), or that it existed. */
export type AssignmentResult = { outcome: 'assigned'; assignmentId: string } | { outcome: 'alreadyAssigned' };

/** One request inside a `$batch`, relative to the version root (`/users/{id}`). */
export interface BatchRequest {
  id: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

/** One answer inside a `$batch` response. */
export interface BatchAnswer {
  status: number;
  body: unknown;
  retryAfterSeconds?: number;
}

/** A user as a sponsor check reads them: gone (deleted), or there and enabled or not. */
export type UserPresence = { exists: false } | { exists: true; displayName: string; accountEnabled: boolean };

/** What a recertification digest shows of a guest's access; each part, or why it could not be read. */
export interface GuestAccessRead {
  groups: { ok: true; value: NamedRef[] } | { ok: false; reason: string };
  appRoles: { ok: true; value: AppRoleAssignment[] } | { ok: false; reason: string };
}

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

interface RawGroup {
  id: string;
  displayName: string | null;
  description?: string | null;
  groupTypes?: string[];
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  isAssignableToRole?: boolean | null;
  membershipRule?: string | null;
}

/** One page of a guest listing; `count` comes on the first page only, `nextLink` while more remain. */
export interface GuestPage {
  guests: DirectoryGuest[];
  count?: number;
  nextLink?: string;
}

type RawGuest = Omit<DirectoryGuest, 'lastSuccessfulSignInDateTime' | 'otherMails'> & {
  otherMails?: string[] | null;
  signInActivity?: { lastSuccessfulSignInDateTime?: string | null } | null;
};

function toGuest(raw: RawGuest): DirectoryGuest {
  const { signInActivity, ...guest } = raw;
  const result: DirectoryGuest = { ...guest, otherMails: raw.otherMails ?? [] };
  // signInActivity is absent when not selected, and null when Entra recorded no sign-in. The
  // successful sign-in is read, not lastSignInDateTime: that one is the last interactive attempt,
  // failed ones included, and leaves out non-interactive sign-ins.
  if (signInActivity !== undefined) result.lastSuccessfulSignInDateTime = signInActivity?.lastSuccessfulSignInDateTime ?? null;
  return result;
}

interface RawMember {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
}

const USER_FIELDS = 'id,displayName,mail,otherMails,userPrincipalName,userType,externalUserState,accountEnabled';
const GROUP_FIELDS = 'id,displayName,description,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,membershipRule';
/** Advanced query parameters: needed for endsWith, $count and combined lambda filters. */
const EVENTUAL = { ConsistencyLevel: 'eventual' };
/** Graph's largest page for directory collections. */
const MAX_PAGE = 999;
/** checkMemberGroups takes at most 20 group ids per call. */
const MAX_GROUP_IDS_PER_CHECK = 20;
/** JSON batching takes at most 20 requests per batch. */
export const MAX_BATCH_REQUESTS = 20;
/** Queries in flight at once for one lookup of many addresses. */
const QUERIES_AT_ONCE = 8;
/** Graph answers "too many child clauses" past 15 values in one `in`. */
const MAX_IN_VALUES = 15;

/** The lookup Microsoft's B2B invitation guidance runs before inviting an address. */
function usersByEmailPath(email: string): string {
  const address = email.toLowerCase();
  const literal = odataString(address);
  return `/users${queryString({
    $filter: `userPrincipalName eq ${literal} or mail eq ${literal} or proxyAddresses/any(p:p eq ${odataString(`SMTP:${address}`)}) or otherMails/any(o:o eq ${literal})`,
    $select: USER_FIELDS,
    $top: MAX_PAGE,
  })}`;
}
const APP_ROLE_ASSIGNMENT_FIELDS = 'id,appRoleId,resourceId,resourceDisplayName,principalId,principalType,principalDisplayName';

/**
 * Everything the bot asks of the directory, in Graph terms. One instance per process, built at
 * start-up around one Graph client.
 */
export class GraphDirectory {
  constructor(
    private readonly client: Client,
    private readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {}

  /**
   * Users (members and guests) who have the address as their sign-in name, `mail`, an SMTP proxy
   * address or one of `otherMails`: the lookup Microsoft's B2B invitation guidance runs before
   * inviting. It is sent without ConsistencyLevel, because the advanced-query index lags behind
   * writes and this check must see a guest invited seconds ago.
   */
  async findUsersByEmail(email: string): Promise<DirectoryUser[]> {
    const users = await this.collect<DirectoryUser>(usersByEmailPath(email));
    return users.map((u) => ({ ...u, otherMails: u.otherMails ?? [] }));
  }

  /**
   * `findUsersByEmail` for many addresses (a batch's preview): the same four matches (sign-in
   * name, `mail`, SMTP proxy address, `otherMails`) as one query per 15 addresses, a few queries at
   * once, each user then matched to the addresses it answers to. Sent without ConsistencyLevel, as
   * the single lookup is. A failed or throttled query throws.
   */
  async findUsersByEmails(emails: readonly string[]): Promise<Map<string, DirectoryUser[]>> {
    const addresses = [...new Set(emails.map((e) => e.toLowerCase()))];
    const found = new Map<string, DirectoryUser[]>(addresses.map((a) => [a, []]));
    const chunks: string[][] = [];
    for (let i = 0; i < addresses.length; i += MAX_IN_VALUES) chunks.push(addresses.slice(i, i + MAX_IN_VALUES));
    const readChunk = async (chunk: string[]): Promise<void> => {
      const list = chunk.map(odataString).join(',');
      const smtp = chunk.map((a) => odataString(`SMTP:${a}`)).join(',');
      const path = `/users${queryString({
        $filter: `userPrincipalName in (${list}) or mail in (${list}) or proxyAddresses/any(p:p in (${smtp})) or otherMails/any(o:o in (${list}))`,
        $select: `${USER_FIELDS},proxyAddresses`,
        $top: MAX_PAGE,
      })}`;
      for (const raw of await this.collect<DirectoryUser & { proxyAddresses?: string[] | null }>(path)) {
        const { proxyAddresses, ...user } = raw;
        const answersTo = new Set(
          [
            user.userPrincipalName,
            user.mail ?? '',
            ...(user.otherMails ?? []),
            ...(proxyAddresses ?? []).filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5)),
          ].map((a) => a.toLowerCase()),
        );
        for (const address of chunk) if (answersTo.has(address)) found.get(address)?.push({ ...user, otherMails: user.otherMails ?? [] });
      }
    };
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (chunk) await readChunk(chunk);
      }
    };
    await Promise.all(Array.from({ length: Math.min(QUERIES_AT_ONCE, chunks.length) }, lane));
    return found;
  }

  /**
   * Groups by display name (a batch's file names groups), 15 names a query, each name lower-cased
   * with the groups so named and whether a guest can be added to each.
   */
  async findGroupsByNames(names: readonly string[]): Promise<Map<string, (DirectoryGroup & { assignable: boolean })[]>> {
    const distinct = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
    const found = new Map<string, (DirectoryGroup & { assignable: boolean })[]>(distinct.map((n) => [n.toLowerCase(), []]));
    for (let i = 0; i < distinct.length; i += MAX_IN_VALUES) {
      const chunk = distinct.slice(i, i + MAX_IN_VALUES);
      const path = `/groups${queryString({ $filter: `displayName in (${chunk.map(odataString).join(',')})`, $select: GROUP_FIELDS, $top: MAX_PAGE })}`;
      for (const group of await this.collect<RawGroup>(path)) {
        found.get((group.displayName ?? '').toLowerCase())?.push({ ...toGroup(group), assignable: isAssignable(group) });
      }
    }
    return found;
  }

  /** How many guests with a mail address at this domain exist already (shown to approvers). */
  async countGuestsFromDomain(domain: string): Promise<number> {
    const path = `/users${queryString({
      $filter: `userType eq 'Guest' and endswith(mail,${odataString(`@${domain.toLowerCase()}`)})`,
      $count: true,
      $top: 1,
      $select: 'id',
    })}`;
    const page = await this.get<Page<unknown>>(path, EVENTUAL);
    return page['@odata.count'] ?? 0;
  }

  /**
   * Groups a guest can be added to through Graph, up to `limit`, with `more` set when the
   * directory has further ones. Dynamic, mail-enabled security, distribution and role-assignable
   * groups are left out: Graph refuses to add members to them, or needs more permissions.
   */
  async listAssignableGroups(limit: number): Promise<{ groups: DirectoryGroup[]; more: boolean }> {
    const found: DirectoryGroup[] = [];
    let path: string | undefined = `/groups${queryString({ $select: GROUP_FIELDS, $top: Math.min(MAX_PAGE, Math.max(limit + 1, 100)) })}`;
    while (path && found.length <= limit) {
      const page: Page<RawGroup> = await this.get<Page<RawGroup>>(path);
      found.push(...(page.value ?? []).filter(isAssignable).map(toGroup));
      path = this.relativeNextLink(page['@odata.nextLink']);
    }
    return { groups: found.slice(0, limit), more: found.length > limit || path !== undefined };
  }

  /** Assignable groups whose name starts with the text (typeahead). */
  async searchAssignableGroups(text: string, limit: number): Promise<DirectoryGroup[]> {
    const filter = text.trim() ? `startswith(displayName,${odataString(text.trim())})` : undefined;
    const page = await this.get<Page<RawGroup>>(`/groups${queryString({ $filter: filter, $select: GROUP_FIELDS, $top: 100 })}`);
    return (page.value ?? []).filter(isAssignable).map(toGroup).slice(0, limit);
  }

  /** The groups with these ids that a guest can be added to; unknown or unmanageable ids are left out. */
  async getAssignableGroups(ids: readonly string[]): Promise<DirectoryGroup[]> {
    const groups = await Promise.all(
      ids.map(async (id) => {
        try {
          return await this.get<RawGroup>(`/groups/${pathSegment(id)}${queryString({ $select: GROUP_FIELDS })}`);
        } catch (error) {
          const failure = toGraphFailure(error);
          if (failure.status === 404 || failure.status === 400) return undefined;
          throw failure;
        }
      }),
    );
    return groups.filter((g): g is RawGroup => g !== undefined && isAssignable(g)).map(toGroup);
  }

  /** Users in the group, nested groups included. */
  async listUserMembers(groupId: string): Promise<NamedRef[]> {
    return this.transitiveMembersOfType(groupId, '#microsoft.graph.user');
  }

  /** Groups nested in the group, at any depth. */
  async listNestedGroups(groupId: string): Promise<NamedRef[]> {
    return this.transitiveMembersOfType(groupId, '#microsoft.graph.group');
  }

  private async transitiveMembersOfType(groupId: string, type: string): Promise<NamedRef[]> {
    const members = await this.collect<RawMember>(
      `/groups/${pathSegment(groupId)}/transitiveMembers${queryString({ $select: 'id,displayName', $top: MAX_PAGE })}`,
    );
    return members.filter((m) => m['@odata.type'] === type).map((m) => ({ id: m.id, displayName: m.displayName ?? m.id }));
  }

  /** Groups that can hold directory roles (`isAssignableToRole`, set when a group is created and never changed). */
  async listRoleAssignableGroups(): Promise<NamedRef[]> {
    const groups = await this.collect<RawGroup>(`/groups${queryString({ $filter: 'isAssignableToRole eq true', $select: 'id,displayName', $top: MAX_PAGE })}`);
    return groups.map((g) => ({ id: g.id, displayName: g.displayName ?? g.id }));
  }

  /** Which of the groups the group is nested in, at any depth (`POST /groups/{id}/checkMemberGroups`). */
  async checkGroupMemberGroups(groupId: string, groupIds: readonly string[]): Promise<string[]> {
    const page = await this.call<Page<string>>(`/groups/${pathSegment(groupId)}/checkMemberGroups`, 'POST', {
      groupIds: groupIds.slice(0, MAX_GROUP_IDS_PER_CHECK),
    });
    return page.value ?? [];
  }

  /** Which of the groups the user belongs to, transitively. */
  async checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
    const result: string[] = [];
    for (let i = 0; i < groupIds.length; i += MAX_GROUP_IDS_PER_CHECK) {
      const body = { groupIds: groupIds.slice(i, i + MAX_GROUP_IDS_PER_CHECK) };
      const page = await this.call<Page<string>>(`/users/${pathSegment(userId)}/checkMemberGroups`, 'POST', body);
      result.push(...(page.value ?? []));
    }
    return result;
  }

  /** Names of the directory roles with these ids (role definition id or built-in template id). */
  async getRoleDefinitions(ids: readonly string[]): Promise<NamedRef[]> {
    if (ids.length === 0) return [];
    const all = await this.collect<{ id: string; displayName: string; templateId?: string | null }>(
      `/roleManagement/directory/roleDefinitions${queryString({ $select: 'id,displayName,templateId' })}`,
    );
    const wanted = new Set(ids.map((id) => id.toLowerCase()));
    return all
      .filter((r) => wanted.has(r.id.toLowerCase()) || (r.templateId && wanted.has(r.templateId.toLowerCase())))
      .map((r) => ({ id: r.templateId ?? r.id, displayName: r.displayName }));
  }

  /** The directory roles the user holds, by name (tenant-wide or scoped). */
  async directoryRolesOf(userId: string): Promise<NamedRef[]> {
    const assignments = await this.collect<{ roleDefinitionId: string }>(
      `/roleManagement/directory/roleAssignments${queryString({ $filter: `principalId eq ${odataString(userId)}`, $select: 'id,roleDefinitionId' })}`,
    );
    return this.getRoleDefinitions([...new Set(assignments.map((a) => a.roleDefinitionId.toLowerCase()))]);
  }

  /**
   * Microsoft Graph's own service principal in this tenant: its object id (the resource of every
   * Graph permission granted) and its application permissions by app role id.
   */
  async graphPermissionNames(): Promise<{ servicePrincipalId: string; names: Map<string, string> }> {
    const graph = await this.get<{ id: string; appRoles?: { id: string; value: string | null }[] }>(
      `/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')${queryString({ $select: 'id,appRoles' })}`,
    );
    const names = new Map<string, string>();
    for (const role of graph.appRoles ?? []) if (role.value) names.set(role.id.toLowerCase(), role.value);
    return { servicePrincipalId: graph.id, names };
  }

  /** The app roles granted to the app with this client id, on every resource (Graph's and others). */
  async grantedAppRoles(clientId: string): Promise<{ resourceId: string; appRoleId: string }[]> {
    return this.collect<{ resourceId: string; appRoleId: string }>(
      `/servicePrincipals(appId='${pathSegment(clientId)}')/appRoleAssignments${queryString({ $select: 'id,resourceId,appRoleId', $top: MAX_PAGE })}`,
    );
  }

  /** Sends the B2B invitation e-mail and creates (or returns) the guest user. */
  async invite(input: InviteInput): Promise<Invitation> {
    const body = {
      invitedUserEmailAddress: input.email,
      invitedUserDisplayName: input.displayName || undefined,
      inviteRedirectUrl: input.redirectUrl,
      sendInvitationMessage: true,
      invitedUserMessageInfo: input.message ? { customizedMessageBody: input.message } : undefined,
      invitedUserSponsors: input.sponsorIds && input.sponsorIds.length > 0 ? input.sponsorIds.map((id) => ({ id })) : undefined,
    };
    const created = await this.call<{ inviteRedeemUrl?: string; invitedUser?: { id?: string } }>('/invitations', 'POST', body);
    const guestId = created.invitedUser?.id;
    if (!guestId) throw new GraphFailure(502, 'UnexpectedResponse', 'The invitation answer named no user id.');
    return { guestId, redeemUrl: created.inviteRedeemUrl ?? '' };
  }

  /** Adds the user to the group; a user who is already a member counts as done. */
  async addGroupMember(groupId: string, userId: string): Promise<'added' | 'alreadyMember'> {
    try {
      await this.call(`/groups/${pathSegment(groupId)}/members/$ref`, 'POST', { '@odata.id': this.referenceTo('directoryObjects', userId) });
      return 'added';
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /already exist/i.test(failure.graphMessage)) return 'alreadyMember';
      throw failure;
    }
  }

  /** Assigns a tenant-wide directory role; an existing identical assignment counts as done. */
  async assignDirectoryRole(roleDefinitionId: string, principalId: string): Promise<AssignmentResult> {
    try {
      const created = await this.call<{ id?: string }>('/roleManagement/directory/roleAssignments', 'POST', {
        '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
        principalId,
        roleDefinitionId,
        directoryScopeId: '/',
      });
      return { outcome: 'assigned', assignmentId: created?.id ?? '' };
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /conflicting object/i.test(failure.graphMessage)) return { outcome: 'alreadyAssigned' };
      throw failure;
    }
  }

  /** Takes the user out of the group; 'gone' when they were no member any more (or the group is gone). */
  async removeGroupMember(groupId: string, userId: string): Promise<'removed' | 'gone'> {
    return this.removal(`/groups/${pathSegment(groupId)}/members/${pathSegment(userId)}/$ref`);
  }

  /** Removes a directory role assignment by its id; 'gone' when someone removed it already. */
  async removeDirectoryRoleAssignment(assignmentId: string): Promise<'removed' | 'gone'> {
    return this.removal(`/roleManagement/directory/roleAssignments/${pathSegment(assignmentId)}`);
  }

  /** Removes an app role assignment through its application (Microsoft's recommended way); 'gone' when it was removed already. */
  async removeAppRoleAssignment(servicePrincipalId: string, assignmentId: string): Promise<'removed' | 'gone'> {
    return this.removal(`/servicePrincipals/${pathSegment(servicePrincipalId)}/appRoleAssignedTo/${pathSegment(assignmentId)}`);
  }

  /** Makes a user or group a sponsor of the guest (shown in Entra); 'alreadySponsor' when it is one. */
  async addSponsor(guestId: string, sponsor: SponsorRef): Promise<'added' | 'alreadySponsor'> {
    try {
      await this.call(`/users/${pathSegment(guestId)}/sponsors/$ref`, 'POST', {
        '@odata.id': this.referenceTo(sponsor.kind === 'user' ? 'users' : 'groups', sponsor.id),
      });
      return 'added';
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /already exist/i.test(failure.graphMessage)) return 'alreadySponsor';
      throw failure;
    }
  }

  /** Removes a sponsor from the guest (the sponsor's own account stays); 'gone' when it was no sponsor. */
  async removeSponsor(guestId: string, sponsorId: string): Promise<'removed' | 'gone'> {
    return this.removal(`/users/${pathSegment(guestId)}/sponsors/${pathSegment(sponsorId)}/$ref`);
  }

  /** A DELETE whose 404 means what it asked for is already true. */
  private async removal(path: string): Promise<'removed' | 'gone'> {
    try {
      await this.call(path, 'DELETE');
      return 'removed';
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 404) return 'gone';
      throw failure;
    }
  }

  /**
   * Sends requests in `$batch`es of 20 and returns each answer by its id (Graph answers a batch in
   * any order). A request inside a batch is not retried by the client: a caller decides what an
   * answer of 429 or 5xx means for it (see `batchValue`).
   */
  async batch(requests: readonly BatchRequest[]): Promise<Map<string, BatchAnswer>> {
    const answers = new Map<string, BatchAnswer>();
    for (let i = 0; i < requests.length; i += MAX_BATCH_REQUESTS) {
      const chunk = requests.slice(i, i + MAX_BATCH_REQUESTS).map((r) => {
        const headers = r.body === undefined ? r.headers : { 'Content-Type': 'application/json', ...r.headers };
        return { id: r.id, method: r.method, url: r.path, ...(headers ? { headers } : {}), ...(r.body === undefined ? {} : { body: r.body }) };
      });
      const result = await this.call<{ responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[] }>('/$batch', 'POST', {
        requests: chunk,
      });
      for (const response of result?.responses ?? []) {
        const retryAfter = Object.entries(response.headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
        answers.set(response.id, { status: response.status, body: response.body, retryAfterSeconds: parseRetryAfter(retryAfter) });
      }
    }
    return answers;
  }

  /**
   * Whether each user exists and may sign in, read in batches (a sponsor who left is deleted or
   * disabled). A throttled or failed answer throws, so the caller's job is retried.
   */
  async readUsersPresence(userIds: readonly string[]): Promise<Map<string, UserPresence>> {
    const answers = await this.batch(
      userIds.map((id, i) => ({ id: String(i), method: 'GET', path: `/users/${pathSegment(id)}${queryString({ $select: 'id,displayName,accountEnabled' })}` })),
    );
    const presence = new Map<string, UserPresence>();
    userIds.forEach((userId, i) => {
      const answer = answers.get(String(i));
      if (answer?.status === 404) {
        presence.set(userId, { exists: false });
        return;
      }
      const user = batchValue<{ displayName?: string | null; accountEnabled?: boolean | null }>(answer);
      presence.set(userId, { exists: true, displayName: user.displayName ?? userId, accountEnabled: user.accountEnabled !== false });
    });
    return presence;
  }

  /**
   * Each guest's groups and app roles, two requests a guest in batches of 20 (ten guests a call).
   * A part Graph refuses (a permission the app lacks) comes back with the reason; throttling and
   * outages throw, so the caller's job is retried.
   */
  async readGuestAccess(guestIds: readonly string[]): Promise<Map<string, GuestAccessRead>> {
    const requests: BatchRequest[] = guestIds.flatMap((id, i): BatchRequest[] => [
      { id: `g${i}`, method: 'GET', path: `/users/${pathSegment(id)}/memberOf${queryString({ $select: 'id,displayName', $top: MAX_PAGE })}` },
      {
        id: `a${i}`,
        method: 'GET',
        path: `/users/${pathSegment(id)}/appRoleAssignments${queryString({ $select: APP_ROLE_ASSIGNMENT_FIELDS, $count: true, $top: MAX_PAGE })}`,
        headers: EVENTUAL,
      },
    ]);
    const answers = await this.batch(requests);
    const read = new Map<string, GuestAccessRead>();
    for (const [i, guestId] of guestIds.entries()) {
      const groups = await this.pagedBatchValue<RawMember>(answers.get(`g${i}`));
      const appRoles = await this.pagedBatchValue<AppRoleAssignment>(answers.get(`a${i}`), EVENTUAL);
      read.set(guestId, {
        groups: groups.ok
          ? {
              ok: true,
              value: groups.value.filter((o) => o['@odata.type'] === '#microsoft.graph.group').map((o) => ({ id: o.id, displayName: o.displayName ?? o.id })),
            }
          : groups,
        appRoles,
      });
    }
    return read;
  }

  /** The users and groups sponsoring each guest, read in batches; a guest gone from the directory has none. */
  async readSponsorsOf(guestIds: readonly string[]): Promise<Map<string, (NamedRef & { kind: 'user' | 'group' })[]>> {
    const answers = await this.batch(
      guestIds.map((id, i) => ({ id: String(i), method: 'GET', path: `/users/${pathSegment(id)}/sponsors${queryString({ $select: 'id,displayName' })}` })),
    );
    const sponsors = new Map<string, (NamedRef & { kind: 'user' | 'group' })[]>();
    for (const [i, guestId] of guestIds.entries()) {
      const answer = answers.get(String(i));
      if (answer?.status === 404) {
        sponsors.set(guestId, []);
        continue;
      }
      const page = await this.pagedBatchValue<RawMember>(answer);
      if (!page.ok) throw new GraphFailure(answer?.status ?? 502, 'BatchAnswer', page.reason);
      sponsors.set(
        guestId,
        page.value
          .filter((o) => o['@odata.type'] === '#microsoft.graph.user' || o['@odata.type'] === '#microsoft.graph.group')
          .map((o) => ({ id: o.id, displayName: o.displayName ?? o.id, kind: o['@odata.type'] === '#microsoft.graph.group' ? 'group' : 'user' })),
      );
    }
    return sponsors;
  }

  /** A collection answered inside a batch, with the rest of its pages read directly; a refusal comes back with its reason. */
  private async pagedBatchValue<T>(
    answer: BatchAnswer | undefined,
    headers: Record<string, string> = {},
  ): Promise<{ ok: true; value: T[] } | { ok: false; reason: string }> {
    if (answer && answer.status >= 400 && !toBatchFailure(answer).transient) return { ok: false, reason: toBatchFailure(answer).userMessage };
    const page = batchValue<Page<T>>(answer);
    const items = [...(page.value ?? [])];
    let path = this.relativeNextLink(page['@odata.nextLink']);
    while (path) {
      const next: Page<T> = await this.get<Page<T>>(path, headers);
      items.push(...(next.value ?? []));
      path = this.relativeNextLink(next['@odata.nextLink']);
    }
    return { ok: true, value: items };
  }

  /** Enterprise applications (service principals of integrated apps), up to `limit`. */
  async listApps(limit: number): Promise<{ apps: DirectoryApp[]; more: boolean }> {
    const page = await this.get<Page<RawApp>>(
      `/servicePrincipals${queryString({ $filter: ENTERPRISE_APPS, $select: APP_FIELDS, $top: Math.min(MAX_PAGE, limit + 1) })}`,
    );
    const apps = (page.value ?? []).map(toApp);
    return { apps: apps.slice(0, limit), more: apps.length > limit || page['@odata.nextLink'] !== undefined };
  }

  /** Enterprise applications whose name starts with the text (typeahead). */
  async searchApps(text: string, limit: number): Promise<DirectoryApp[]> {
    const filter = text.trim() ? `startswith(displayName,${odataString(text.trim())}) and ${ENTERPRISE_APPS}` : ENTERPRISE_APPS;
    const page = await this.get<Page<RawApp>>(`/servicePrincipals${queryString({ $filter: filter, $select: APP_FIELDS, $top: limit })}`);
    return (page.value ?? []).map(toApp);
  }

  /** One application by its service principal id; undefined when it does not exist. */
  async getApp(servicePrincipalId: string): Promise<DirectoryApp | undefined> {
    try {
      return toApp(await this.get<RawApp>(`/servicePrincipals/${pathSegment(servicePrincipalId)}${queryString({ $select: APP_FIELDS })}`));
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 404 || failure.status === 400) return undefined;
      throw failure;
    }
  }

  /** The application's owners who are users (owners can also be service principals). */
  async listAppOwners(servicePrincipalId: string): Promise<NamedRef[]> {
    const owners = await this.collect<RawMember>(
      `/servicePrincipals/${pathSegment(servicePrincipalId)}/owners${queryString({ $select: 'id,displayName', $top: MAX_PAGE })}`,
    );
    return owners.filter((o) => o['@odata.type'] === '#microsoft.graph.user').map((o) => ({ id: o.id, displayName: o.displayName ?? o.id }));
  }

  /** One user by object id; undefined when there is none. */
  async getUserById(id: string): Promise<DirectoryUser | undefined> {
    try {
      const user = await this.get<DirectoryUser>(`/users/${pathSegment(id)}${queryString({ $select: USER_FIELDS })}`);
      return { ...user, otherMails: user.otherMails ?? [] };
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 404 || failure.status === 400) return undefined;
      throw failure;
    }
  }

  /** Guests whose name or address starts with the text (typeahead). */
  async searchGuests(text: string, limit: number): Promise<DirectoryUser[]> {
    const t = odataString(text.trim());
    const filter = text.trim() ? `userType eq 'Guest' and (startswith(displayName,${t}) or startswith(mail,${t}))` : `userType eq 'Guest'`;
    const page = await this.get<Page<DirectoryUser>>(`/users${queryString({ $filter: filter, $select: USER_FIELDS, $top: limit })}`);
    return (page.value ?? []).map((u) => ({ ...u, otherMails: u.otherMails ?? [] }));
  }

  /**
   * The app roles a user holds, in every application: their own and those of groups they are a
   * direct member of (principalType `Group`). Graph lists the group-held ones completely only as an
   * advanced query, so ConsistencyLevel and `$count` go with it; the index behind it lags, which
   * only matters for a guest created seconds ago, who holds nothing yet.
   */
  async listAppRoleAssignments(userId: string): Promise<AppRoleAssignment[]> {
    return this.collect<AppRoleAssignment>(
      `/users/${pathSegment(userId)}/appRoleAssignments${queryString({
        $select: APP_ROLE_ASSIGNMENT_FIELDS,
        $count: true,
        $top: MAX_PAGE,
      })}`,
      EVENTUAL,
    );
  }

  /** Gives the user an app role; an identical existing assignment counts as done. */
  async assignAppRole(servicePrincipalId: string, principalId: string, appRoleId: string): Promise<AssignmentResult> {
    try {
      const created = await this.call<{ id?: string }>(`/servicePrincipals/${pathSegment(servicePrincipalId)}/appRoleAssignedTo`, 'POST', {
        principalId,
        resourceId: servicePrincipalId,
        appRoleId,
      });
      return { outcome: 'assigned', assignmentId: created?.id ?? '' };
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /already exists/i.test(failure.graphMessage)) return { outcome: 'alreadyAssigned' };
      throw failure;
    }
  }

  /** The first page of a guest listing, with the total Graph counted. */
  async listGuests(query: GuestQuery): Promise<GuestPage> {
    return this.guestPage(guestListPath(query));
  }

  /**
   * The page behind a nextLink an earlier listing returned: checked to lead to our own Graph
   * origin, and sent with ConsistencyLevel again because Graph does not carry it over.
   */
  async nextGuests(nextLink: string): Promise<GuestPage> {
    const path = this.relativeNextLink(nextLink);
    if (!path) throw new GraphFailure(400, 'MissingNextLink', 'There is no next page to read.');
    return this.guestPage(path);
  }

  /** One user with the guest fields (and the last sign-in when asked for); undefined when absent. */
  async getGuest(id: string, withSignInActivity: boolean): Promise<DirectoryGuest | undefined> {
    const select = withSignInActivity ? `${GUEST_FIELDS},signInActivity` : GUEST_FIELDS;
    try {
      return toGuest(await this.get<RawGuest>(`/users/${pathSegment(id)}${queryString({ $select: select })}`));
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 404 || failure.status === 400) return undefined;
      throw failure;
    }
  }

  /** The groups and directory roles the user is a direct member of. */
  async listMemberships(userId: string): Promise<{ groups: NamedRef[]; roles: NamedRef[] }> {
    const objects = await this.collect<RawMember>(`/users/${pathSegment(userId)}/memberOf${queryString({ $select: 'id,displayName', $top: MAX_PAGE })}`);
    const named = (type: string) => objects.filter((o) => o['@odata.type'] === type).map((o) => ({ id: o.id, displayName: o.displayName ?? o.id }));
    return { groups: named('#microsoft.graph.group'), roles: named('#microsoft.graph.directoryRole') };
  }

  /**
   * The user's manager; undefined when none is set (Graph answers 404). A refusal (403, the app
   * may not read users) is thrown, so the caller can say which it was.
   */
  async getManager(userId: string): Promise<NamedRef | undefined> {
    try {
      const manager = await this.get<RawMember>(`/users/${pathSegment(userId)}/manager${queryString({ $select: 'id,displayName' })}`);
      return manager ? { id: manager.id, displayName: manager.displayName ?? manager.id } : undefined;
    } catch (error) {
      if (toGraphFailure(error).status === 404) return undefined;
      throw error;
    }
  }

  /** The users and groups sponsoring a guest. */
  async listSponsors(userId: string): Promise<NamedRef[]> {
    const sponsors = await this.collect<RawMember>(`/users/${pathSegment(userId)}/sponsors${queryString({ $select: 'id,displayName' })}`);
    return sponsors.map((s) => ({ id: s.id, displayName: s.displayName ?? s.id }));
  }

  /** A new invitation (or a redemption reset) for an existing guest, with the new redeem link. */
  async reinvite(input: ReinviteInput): Promise<Invitation> {
    const created = await this.send<{ inviteRedeemUrl?: string; invitedUser?: { id?: string } }>(reinviteRequest(input));
    const guestId = created?.invitedUser?.id;
    if (!guestId) throw new GraphFailure(502, 'UnexpectedResponse', 'The invitation answer named no user id.');
    return { guestId, redeemUrl: created.inviteRedeemUrl ?? '' };
  }

  /** Sends a prepared write (see guestQueries.ts), so what runs is what a dry run shows; 204 gives undefined. */
  async send<T = unknown>(write: GraphWrite): Promise<T> {
    return this.call<T>(write.path, write.method, write.body);
  }

  /** The absolute URL of a path on this Graph origin, as a dry run shows it. */
  urlOf(path: string): string {
    return `${this.baseUrl}/v1.0${path}`;
  }

  /** An `@odata.id` for a `$ref` body, on the configured Graph origin (a national cloud refuses another host). */
  referenceTo(collection: 'directoryObjects' | 'users' | 'groups', id: string): string {
    return this.urlOf(`/${collection}/${pathSegment(id)}`);
  }

  private async guestPage(path: string): Promise<GuestPage> {
    const page = await this.get<Page<RawGuest>>(path, EVENTUAL);
    return { guests: (page.value ?? []).map(toGuest), count: page['@odata.count'], nextLink: page['@odata.nextLink'] };
  }

  /** Follows `@odata.nextLink` to the end, re-sending headers (Graph does not carry them over). */
  private async collect<T>(firstPath: string, headers: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    let path: string | undefined = firstPath;
    while (path) {
      const page: Page<T> = await this.get<Page<T>>(path, headers);
      items.push(...(page.value ?? []));
      path = this.relativeNextLink(page['@odata.nextLink']);
    }
    return items;
  }

  /**
   * The client only follows https links, and a link to another host would carry our token there;
   * so a nextLink is accepted only on our own Graph origin and turned into a relative path.
   */
  private relativeNextLink(link: string | undefined): string | undefined {
    if (!link) return undefined;
    const prefix = `${this.baseUrl}/v1.0`;
    if (!link.startsWith(prefix)) {
      throw new GraphFailure(502, 'UnexpectedNextLink', 'Graph returned a next-page link to another host.');
    }
    return link.slice(prefix.length);
  }

  private get<T>(path: string, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>(path, 'GET', undefined, headers);
  }

  private async call<T = unknown>(path: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const request = this.client
      .api(path)
      .headers(headers)
      .options({ signal: AbortSignal.timeout(this.timeoutMs) });
    try {
      switch (method) {
        case 'GET':
          return (await request.get()) as T;
        case 'POST':
          return (await request.post(body)) as T;
        case 'PATCH':
          return (await request.patch(body)) as T;
        case 'DELETE':
          return (await request.delete()) as T;
      }
    } catch (error) {
      throw toGraphFailure(error);
    }
  }
}

/** The failure a batch answer carries, as if the request had been sent alone. */
function toBatchFailure(answer: BatchAnswer): GraphFailure {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return new GraphFailure(
    answer.status,
    typeof error?.code === 'string' ? error.code : 'UnknownError',
    typeof error?.message === 'string' ? error.message : `Graph answered ${answer.status} inside a batch.`,
    answer.retryAfterSeconds,
  );
}

/** The body of a successful batch answer; a failed (or missing) one throws its failure. */
function batchValue<T>(answer: BatchAnswer | undefined): T {
  if (!answer) throw new GraphFailure(502, 'MissingBatchAnswer', 'Graph left a request of a batch unanswered.');
  if (answer.status >= 400) throw toBatchFailure(answer);
  return (answer.body ?? {}) as T;
}

/** Only integrated apps are "enterprise applications"; the rest are Microsoft's and other internals. */
const ENTERPRISE_APPS = "tags/any(t:t eq 'WindowsAzureActiveDirectoryIntegratedApp')";
const APP_FIELDS = 'id,appId,displayName,publisherName,accountEnabled,appRoles';

/** "Default access": the role id Graph expects for an application that declares no app roles. */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export interface DirectoryApp {
  id: string;
  displayName: string;
  publisher: string | null;
  enabled: boolean;
  /** Roles a user can be given: enabled roles that allow `User`, or default access when none are declared. */
  userRoles: NamedRef[];
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  resourceId: string;
  resourceDisplayName: string | null;
  /** The user, or the group through which the user holds the role. */
  principalId: string;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalDisplayName: string | null;
}

interface RawApp {
  id: string;
  displayName: string | null;
  publisherName?: string | null;
  accountEnabled?: boolean;
  appRoles?: { id: string; displayName: string; allowedMemberTypes: string[]; isEnabled?: boolean }[];
}

function toApp(raw: RawApp): DirectoryApp {
  const roles = raw.appRoles ?? [];
  const userRoles = roles.filter((r) => r.isEnabled !== false && r.allowedMemberTypes.includes('User')).map((r) => ({ id: r.id, displayName: r.displayName }));
  return {
    id: raw.id,
    displayName: raw.displayName ?? raw.id,
    publisher: raw.publisherName ?? null,
    enabled: raw.accountEnabled !== false,
    userRoles: roles.length === 0 ? [{ id: DEFAULT_ACCESS_ROLE_ID, displayName: 'Default access' }] : userRoles,
  };
}

function isAssignable(group: RawGroup): boolean {
  const types = group.groupTypes ?? [];
  if (group.membershipRule || types.includes('DynamicMembership')) return false;
  if (group.isAssignableToRole) return false;
  const unified = types.includes('Unified');
  // Mail-enabled security groups and distribution lists cannot be managed through Graph.
  if (!unified && group.mailEnabled) return false;
  return unified || group.securityEnabled === true;
}

function toGroup(group: RawGroup): DirectoryGroup {
  return { id: group.id, displayName: group.displayName ?? group.id, description: group.description ?? null };
}
