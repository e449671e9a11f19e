import type { DirectoryCatalog } from '../directory/directoryCatalog';
import type { InviteDetails, NamedRef } from './model';

/** What admins configure: the guest domains allowed and blocked, and the directory roles that may be requested. */
export interface PolicySettings {
  allowedGuestDomains: readonly string[];
  blockedGuestDomains: readonly string[];
  /** Lower-cased role definition ids. */
  assignableDirectoryRoles: readonly string[];
}

/** The part of an address after its last @. */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

function matchesDomain(domain: string, listed: string): boolean {
  return domain === listed || domain.endsWith(`.${listed}`);
}

/** The address's domain against the allow and block lists; a sentence for people, or undefined when allowed. */
export function checkDomainPolicy(email: string, policy: PolicySettings): string | undefined {
  const domain = domainOf(email.trim().toLowerCase());
  if (policy.blockedGuestDomains.some((blocked) => matchesDomain(domain, blocked))) {
    return `Guests from ${domain} are not allowed: the domain is blocked by your admins.`;
  }
  if (policy.allowedGuestDomains.length > 0 && !policy.allowedGuestDomains.some((allowed) => matchesDomain(domain, allowed))) {
    return `Guests from ${domain} are not allowed: allowed domains are ${policy.allowedGuestDomains.join(', ')}.`;
  }
  return undefined;
}

/** One thing today's policy refuses in a request, with the sentence people read. */
export interface PolicyRefusal {
  /** The form field it concerns, so a form can name the problem next to its input. */
  field: 'email' | 'groupIds' | 'directoryRoleId';
  reason: string;
}

/** What of a request the policy looks at. */
export type PolicySubject = Pick<InviteDetails, 'email' | 'groups' | 'directoryRole'>;

/**
 * The admins' policy as one rule: the guest's domain against the allow and block lists, every
 * group against the protected groups (membership of which gives power over guest access or the
 * directory), and the directory role against the roles admins allow. Pure: the caller supplies
 * the protected group ids, read as fresh as its moment needs.
 */
export function policyRefusals(subject: PolicySubject, settings: PolicySettings, protectedGroupIds: ReadonlySet<string>): PolicyRefusal[] {
  const refusals: PolicyRefusal[] = [];
  const domainProblem = subject.email ? checkDomainPolicy(subject.email, settings) : undefined;
  if (domainProblem) refusals.push({ field: 'email', reason: domainProblem });
  const guarded = subject.groups.filter((g) => protectedGroupIds.has(g.id.toLowerCase()));
  if (guarded.length > 0) refusals.push({ field: 'groupIds', reason: protectedGroupsReason(guarded) });
  const role = subject.directoryRole;
  if (role && !settings.assignableDirectoryRoles.includes(role.id.toLowerCase())) {
    refusals.push({ field: 'directoryRoleId', reason: `${role.displayName} cannot be requested here; your admins choose which directory roles can be.` });
  }
  return refusals;
}

function protectedGroupsReason(groups: readonly NamedRef[]): string {
  const names = groups.map((g) => g.displayName).join(', ');
  const subject = groups.length === 1 ? `${names} is` : `${names} are`;
  return `${subject} protected (the approver or admin group, a group nested in them, or a group that can hold directory roles), so no guest can be added through this bot.`;
}

/** The refusals as one sentence, for a card or a failure notice. */
export function describeRefusals(refusals: readonly PolicyRefusal[]): string {
  return refusals.map((r) => r.reason).join(' ');
}

/**
 * Says what of a request today's policy refuses. Called when the form is filed, when someone
 * approves, and by the worker before each Graph write, so a policy change after filing wins.
 */
export class RequestPolicy {
  constructor(
    private readonly deps: {
      catalog: Pick<DirectoryCatalog, 'protectedAmong'>;
      settings: PolicySettings;
    },
  ) {}

  /**
   * `fresh` asks the directory now whether the request's groups are nested in the approver or
   * admin group, rather than using the catalog's copy (at most a minute old): the worker asks for it
   * before writing, a click does not wait for it.
   */
  async refusals(subject: PolicySubject, options: { fresh?: boolean } = {}): Promise<PolicyRefusal[]> {
    const groupIds = subject.groups.map((g) => g.id);
    const guarded = groupIds.length > 0 ? await this.deps.catalog.protectedAmong(groupIds, { fresh: options.fresh === true }) : new Set<string>();
    return policyRefusals(subject, this.deps.settings, guarded);
  }
}
