import type { Client } from '@microsoft/microsoft-graph-client';
import type { NamedRef } from '../model';
import { GraphFailure, toGraphFailure } from './graphErrors';
import { odataString, pathSegment, queryString } from './odata';

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

  /** Users whose `mail` or `otherMails` hold the address (members and guests). */
  async findUsersByEmail(email: string): Promise<DirectoryUser[]> {
    const literal = odataString(email.toLowerCase());
    const path = `/users${queryString({
      $filter: `mail eq ${literal} or otherMails/any(m:m eq ${literal})`,
      $select: USER_FIELDS,
      $count: true,
      $top: MAX_PAGE,
    })}`;
    const users = await this.collect<DirectoryUser>(path, EVENTUAL);
    return users.map((u) => ({ ...u, otherMails: u.otherMails ?? [] }));
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

  /** Sends the B2B invitation e-mail and creates (or returns) the guest user. */
  async invite(input: InviteInput): Promise<Invitation> {
    const body = {
      invitedUserEmailAddress: input.email,
      invitedUserDisplayName: input.displayName || undefined,
      inviteRedirectUrl: input.redirectUrl,
      sendInvitationMessage: true,
      invitedUserMessageInfo: input.message ? { customizedMessageBody: input.message } : undefined,
    };
    const created = await this.call<{ inviteRedeemUrl?: string; invitedUser?: { id?: string } }>('/invitations', 'POST', body);
    const guestId = created.invitedUser?.id;
    if (!guestId) throw new GraphFailure(502, 'UnexpectedResponse', 'The invitation answer named no user id.');
    return { guestId, redeemUrl: created.inviteRedeemUrl ?? '' };
  }

  /** Adds the user to the group; a user who is already a member counts as done. */
  async addGroupMember(groupId: string, userId: string): Promise<'added' | 'alreadyMember'> {
    try {
      await this.call(`/groups/${pathSegment(groupId)}/members/$ref`, 'POST', {
        '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}`,
      });
      return 'added';
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /already exist/i.test(failure.graphMessage)) return 'alreadyMember';
      throw failure;
    }
  }

  /** Assigns a tenant-wide directory role; an existing identical assignment counts as done. */
  async assignDirectoryRole(roleDefinitionId: string, principalId: string): Promise<'assigned' | 'alreadyAssigned'> {
    try {
      await this.call('/roleManagement/directory/roleAssignments', 'POST', {
        '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
        principalId,
        roleDefinitionId,
        directoryScopeId: '/',
      });
      return 'assigned';
    } catch (error) {
      const failure = toGraphFailure(error);
      if (failure.status === 400 && /conflicting object/i.test(failure.graphMessage)) return 'alreadyAssigned';
      throw failure;
    }
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

  private async call<T = unknown>(path: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const request = this.client.api(path).headers(headers).options({ signal: AbortSignal.timeout(this.timeoutMs) });
    try {
      return (method === 'GET' ? await request.get() : await request.post(body)) as T;
    } catch (error) {
      throw toGraphFailure(error);
    }
  }
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
