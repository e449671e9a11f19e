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
 * transitive checkMemberGroups. Answers are cached for `ttlMs` (ROLE_CACHE_SECONDS; 0 caches
 * nothing) so a card click does not wait on Graph, and never come from anything a card or a
 * display name says. A cached answer expires `ttlMs` after Graph was asked, so someone removed
 * from a group loses what it gave within that lifetime.
 */
export class RoleService {
  private readonly cache = new Map<string, CachedRoles>();

  constructor(
    private readonly directory: MembershipLookup,
    private readonly groups: { approverGroupId: string; adminGroupId: string },
    private readonly clock: Clock,
    private readonly capabilities: Capabilities,
    /** How long an answer is kept; 0 asks Graph every time. */
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  /** Throws FeatureOff when the app may not read group memberships: no one's role can be told then. */
  async rolesOf(aadObjectId: string): Promise<Roles> {
    this.capabilities.require('roleChecks');
    return this.cached(aadObjectId) ?? this.askGraph(aadObjectId);
  }

  /** For listings and cards: the cached answer while it lasts. */
  async isApprover(aadObjectId: string): Promise<boolean> {
    return (await this.rolesOf(aadObjectId)).approver;
  }

  /**
   * For a decision about to be written. A cached "yes" stands: it is never older than the cache
   * lifetime, and asking Graph on every click would make each approval wait on it. A cached "no"
   * is asked again, so someone just added to the approver group need not wait for it to expire.
   */
  async isApproverForDecision(aadObjectId: string): Promise<boolean> {
    this.capabilities.require('roleChecks');
    if (this.cached(aadObjectId)?.approver) return true;
    return (await this.askGraph(aadObjectId)).approver;
  }

  async isAdmin(aadObjectId: string): Promise<boolean> {
    return (await this.rolesOf(aadObjectId)).admin;
  }

  /** The answer kept for this user, while its lifetime lasts. */
  private cached(aadObjectId: string): Roles | undefined {
    const entry = this.cache.get(aadObjectId);
    return entry && entry.expiresAt > this.clock.now().getTime() ? entry.roles : undefined;
  }

  /** Graph's answer, cached until the lifetime has passed since the question (not the answer) when there is one. */
  private async askGraph(aadObjectId: string): Promise<Roles> {
    const askedAt = this.clock.now().getTime();
    const { approverGroupId, adminGroupId } = this.groups;
    const memberOf = new Set((await this.directory.checkMemberGroups(aadObjectId, [approverGroupId, adminGroupId])).map((id) => id.toLowerCase()));
    const roles = { approver: memberOf.has(approverGroupId.toLowerCase()), admin: memberOf.has(adminGroupId.toLowerCase()) };
    if (this.ttlMs > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(aadObjectId, { roles, expiresAt: askedAt + this.ttlMs });
    }
    return roles;
  }
}
