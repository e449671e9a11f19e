import type { Capabilities } from './capabilities';
import type { Clock } from '../platform/clock';
import type { DirectoryApp, GraphDirectory } from './graphDirectory';
import type { NamedRef } from '../requests/model';

export type CatalogDirectory = Pick<
  GraphDirectory,
  | 'listAssignableGroups'
  | 'searchAssignableGroups'
  | 'getRoleDefinitions'
  | 'listUserMembers'
  | 'listNestedGroups'
  | 'listRoleAssignableGroups'
  | 'checkGroupMemberGroups'
  | 'listApps'
  | 'searchApps'
  | 'listAppOwners'
  | 'searchGuests'
>;

/** One choice of the application field: an app and one of its user roles. */
export interface AppRoleChoice {
  /** `<service principal id>|<app role id>`, as the form sends it back. */
  value: string;
  /** "Expense Hub (Example Corp) — Submitter". */
  title: string;
}

/** The application field's choices for an app: one per role a user can be given. */
export function appRoleChoices(app: DirectoryApp): AppRoleChoice[] {
  const name = app.publisher ? `${app.displayName} (${app.publisher})` : app.displayName;
  return app.userRoles.map((role) => ({ value: `${app.id}|${role.id}`, title: `${name} — ${role.displayName}` }));
}

/** How many groups the form lists as plain choices before it switches to typeahead search. */
export const STATIC_GROUP_CHOICES = 50;

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/**
 * Directory lists that every form and every approval needs (groups to offer, role names, the
 * approvers), cached for a short while so that opening a form does not cost a Graph walk.
 */
export class DirectoryCatalog {
  private groupsCache?: Cached<{ groups: NamedRef[]; more: boolean }>;
  private rolesCache?: Cached<NamedRef[]>;
  private approversCache?: Cached<NamedRef[]>;
  private adminsCache?: Cached<NamedRef[]>;
  private protectedCache?: Cached<{ all: ReadonlySet<string>; roleAssignable: ReadonlySet<string> }>;
  private appsCache?: Cached<{ choices: AppRoleChoice[]; more: boolean }>;
  private readonly ownersCache = new Map<string, Cached<NamedRef[]>>();

  constructor(
    private readonly directory: CatalogDirectory,
    private readonly settings: { assignableDirectoryRoles: readonly string[]; approverGroupId: string; adminGroupId: string },
    private readonly clock: Clock,
    private readonly capabilities: Capabilities,
    private readonly ttlMs = 60_000,
  ) {}

  /** The groups offered as static choices, and whether there are more than can be listed (none when groups are off). */
  async offeredGroups(): Promise<{ groups: NamedRef[]; more: boolean }> {
    if (!this.capabilities.isOn('groups')) return { groups: [], more: false };
    this.groupsCache = await this.fresh(this.groupsCache, async () => {
      const guarded = await this.protectedGroupIds();
      const { groups, more } = await this.directory.listAssignableGroups(STATIC_GROUP_CHOICES + guarded.size);
      const offered = groups.filter((g) => !guarded.has(g.id.toLowerCase())).map(({ id, displayName }) => ({ id, displayName }));
      return { groups: offered.slice(0, STATIC_GROUP_CHOICES), more: more || offered.length > STATIC_GROUP_CHOICES };
    });
    return this.groupsCache.value;
  }

  async searchGroups(text: string, limit: number): Promise<NamedRef[]> {
    if (!this.capabilities.isOn('groups')) return [];
    const guarded = await this.protectedGroupIds();
    const groups = await this.directory.searchAssignableGroups(text, limit + guarded.size);
    return groups
      .filter((g) => !guarded.has(g.id.toLowerCase()))
      .slice(0, limit)
      .map(({ id, displayName }) => ({ id, displayName }));
  }

  /**
   * The approver and admin groups, every group nested in them, and every group that can hold
   * directory roles. Membership of these grants power in this bot or over the directory, so a guest
   * request can never put anyone into them. Read at most a minute ago.
   */
  async protectedGroupIds(): Promise<ReadonlySet<string>> {
    return (await this.protectedLists()).all;
  }

  /**
   * Which of these groups are protected. With `fresh`, whether each is nested in the approver or
   * admin group is asked of the directory now, one transitive check per group (the worker asks
   * before each write, so a group nested since the last minute counts); role-assignability is set
   * when a group is created and never changes, so the minute-old list answers for it.
   */
  async protectedAmong(groupIds: readonly string[], options: { fresh?: boolean } = {}): Promise<ReadonlySet<string>> {
    const lists = await this.protectedLists();
    const ids = groupIds.map((id) => id.toLowerCase());
    if (!options.fresh) return new Set(ids.filter((id) => lists.all.has(id)));
    const roots = [this.settings.approverGroupId, this.settings.adminGroupId];
    const rootKeys = roots.map((id) => id.toLowerCase());
    const found = await Promise.all(
      ids.map(async (id) => {
        if (rootKeys.includes(id) || lists.roleAssignable.has(id)) return id;
        return (await this.directory.checkGroupMemberGroups(id, roots)).length > 0 ? id : undefined;
      }),
    );
    return new Set(found.filter((id): id is string => id !== undefined));
  }

  private async protectedLists(): Promise<{ all: ReadonlySet<string>; roleAssignable: ReadonlySet<string> }> {
    this.capabilities.require('groups');
    this.protectedCache = await this.fresh(this.protectedCache, async () => {
      const { approverGroupId, adminGroupId } = this.settings;
      const [approverNested, adminNested, roleAssignable] = await Promise.all([
        this.directory.listNestedGroups(approverGroupId),
        this.directory.listNestedGroups(adminGroupId),
        this.directory.listRoleAssignableGroups(),
      ]);
      const lower = (groups: NamedRef[]) => groups.map((g) => g.id.toLowerCase());
      return {
        all: new Set([approverGroupId, adminGroupId].map((id) => id.toLowerCase()).concat(lower(approverNested), lower(adminNested), lower(roleAssignable))),
        roleAssignable: new Set(lower(roleAssignable)),
      };
    });
    return this.protectedCache.value;
  }

  /** Application-and-role choices offered as static choices, and whether there are more apps (none when app access is off). */
  async offeredAppRoles(): Promise<{ choices: AppRoleChoice[]; more: boolean }> {
    if (!this.capabilities.isOn('appAccess')) return { choices: [], more: false };
    this.appsCache = await this.fresh(this.appsCache, async () => {
      const { apps, more } = await this.directory.listApps(STATIC_GROUP_CHOICES);
      const choices = apps.filter((a) => a.enabled).flatMap(appRoleChoices);
      return { choices: choices.slice(0, STATIC_GROUP_CHOICES), more: more || choices.length > STATIC_GROUP_CHOICES };
    });
    return this.appsCache.value;
  }

  async searchAppRoles(text: string, limit: number): Promise<AppRoleChoice[]> {
    if (!this.capabilities.isOn('appAccess')) return [];
    const apps = await this.directory.searchApps(text, limit);
    return apps
      .filter((a) => a.enabled)
      .flatMap(appRoleChoices)
      .slice(0, limit);
  }

  async searchGuests(text: string, limit: number): Promise<NamedRef[]> {
    if (!this.capabilities.isOn('appAccess')) return [];
    const guests = await this.directory.searchGuests(text, limit);
    return guests.map((g) => ({ id: g.id, displayName: g.mail ? `${g.displayName} (${g.mail})` : g.displayName }));
  }

  /** The application's owners who are users; they decide who of the outside world gets in. */
  async appOwners(servicePrincipalId: string): Promise<NamedRef[]> {
    this.capabilities.require('appAccess');
    const key = servicePrincipalId.toLowerCase();
    const cached = await this.fresh(this.ownersCache.get(key), () => this.directory.listAppOwners(servicePrincipalId));
    this.ownersCache.set(key, cached);
    return cached.value;
  }

  /** The directory roles admins allowed in configuration, with their names (none when role assignment is off). */
  async assignableRoles(): Promise<NamedRef[]> {
    if (this.settings.assignableDirectoryRoles.length === 0 || !this.capabilities.isOn('directoryRole')) return [];
    this.rolesCache = await this.fresh(this.rolesCache, () => this.directory.getRoleDefinitions(this.settings.assignableDirectoryRoles));
    return this.rolesCache.value;
  }

  /** Users of the approver group, nested groups included. */
  async approvers(): Promise<NamedRef[]> {
    this.capabilities.require('roleChecks');
    this.approversCache = await this.fresh(this.approversCache, () => this.directory.listUserMembers(this.settings.approverGroupId));
    return this.approversCache.value;
  }

  /** Users of the admin group, nested groups included. */
  async admins(): Promise<NamedRef[]> {
    this.adminsCache = await this.fresh(this.adminsCache, () => this.directory.listUserMembers(this.settings.adminGroupId));
    return this.adminsCache.value;
  }

  private async fresh<T>(cached: Cached<T> | undefined, load: () => Promise<T>): Promise<Cached<T>> {
    const now = this.clock.now().getTime();
    if (cached && cached.expiresAt > now) return cached;
    return { value: await load(), expiresAt: now + this.ttlMs };
  }
}
