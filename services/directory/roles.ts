import type { Capabilities } from './capabilities';
import type { Clock } from '../platform/clock';

export interface MembershipLookup {
  checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]>;
}

export interface Roles {
  approver: boolean;
  admin: boolean;
}

interface CachedRoles {
  roles: Roles;
  expiresAt: number;
}

/**
 * Answers "is this user an approver / an admin" from the configured groups through Graph's
 * transitive checkMemberGroups. Answers are cached briefly so a card click does not wait on Graph,
 * and never come from anything a card or a display name says.
 */
export class RoleService {
  private readonly cache = new Map<string, CachedRoles>();

  constructor(
    private readonly directory: MembershipLookup,
    private readonly groups: { approverGroupId: string; adminGroupId: string },
    private readonly clock: Clock,
    private readonly capabilities: Capabilities,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Throws FeatureOff when the app may not read group memberships: no one's role can be told then. */
  async rolesOf(aadObjectId: string): Promise<Roles> {
    this.capabilities.require('roleChecks');
    const now = this.clock.now().getTime();
    const cached = this.cache.get(aadObjectId);
    if (cached && cached.expiresAt > now) return cached.roles;

    const { approverGroupId, adminGroupId } = this.groups;
    const memberOf = new Set(
      (await this.directory.checkMemberGroups(aadObjectId, [approverGroupId, adminGroupId])).map((id) => id.toLowerCase()),
    );
    const roles = { approver: memberOf.has(approverGroupId.toLowerCase()), admin: memberOf.has(adminGroupId.toLowerCase()) };
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(aadObjectId, { roles, expiresAt: now + this.ttlMs });
    return roles;
  }

  async isApprover(aadObjectId: string): Promise<boolean> {
    return (await this.rolesOf(aadObjectId)).approver;
  }

  async isAdmin(aadObjectId: string): Promise<boolean> {
    return (await this.rolesOf(aadObjectId)).admin;
  }
}
