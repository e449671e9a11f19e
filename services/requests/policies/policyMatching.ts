/**
 * Which policy a request falls under. Matching works on a subject (what a request asks: its kind,
 * its guests' domains, groups, apps and directory role) so that a request asking several things at
 * once, such as a batch of guests from several domains, is matched the same way.
 */
import type { AccessRequest, NamedRef } from '../model';
import type { Policy, PolicyFile, PolicyKind, PolicyQuestion, PolicyRef, SeparationRule } from './policyFile';

/** What a request asks, as policies see it. */
export interface PolicySubject {
  kind: PolicyKind;
  /** The guests' domains, lower case. */
  domains: string[];
  groups: NamedRef[];
  /** The applications (service principals) asked for. */
  apps: NamedRef[];
  directoryRole?: NamedRef;
}

/** The subject of a stored request. */
export function subjectOf(request: Pick<AccessRequest, 'kind' | 'details'>): PolicySubject {
  const { details } = request;
  const domain = details.email.slice(details.email.lastIndexOf('@') + 1).toLowerCase();
  // A batch asks for guests from every domain among its rows, and is matched on all of them at once.
  const domains = details.batch ? details.batch.domains.map((d) => d.domain) : domain ? [domain] : [];
  return {
    kind: request.kind,
    domains,
    groups: details.groups,
    apps: details.appAccess ? [{ id: details.appAccess.app.id, displayName: details.appAccess.app.displayName }] : [],
    directoryRole: details.directoryRole,
  };
}

/** A domain pattern: `*` stands for any characters (`*.fabrikam.com` is any subdomain of fabrikam.com). */
export function domainMatches(pattern: string, domain: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(domain.toLowerCase());
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const anyRef = (refs: readonly PolicyRef[], asked: readonly NamedRef[]): boolean => asked.some((a) => refs.some((r) => sameId(r.id, a.id)));

/** Whether the policy applies: every criterion it gives holds for the subject (one entry of each list is enough). */
export function policyMatches(policy: Policy, subject: PolicySubject): boolean {
  const { kinds, domains, groups, apps, directoryRole } = policy.match;
  if (kinds && !kinds.includes(subject.kind)) return false;
  if (domains && !subject.domains.some((domain) => domains.some((pattern) => domainMatches(pattern, domain)))) return false;
  if (groups && !anyRef(groups, subject.groups)) return false;
  if (apps && !anyRef(apps, subject.apps)) return false;
  if (directoryRole === true && !subject.directoryRole) return false;
  if (Array.isArray(directoryRole) && !(subject.directoryRole && anyRef(directoryRole, [subject.directoryRole]))) return false;
  return true;
}

/** Approvals a policy needs in all: each stage's number of distinct approvers, summed. */
function approvalsNeeded(policy: Policy): number {
  return policy.stages.reduce((sum, stage) => sum + stage.approvals, 0);
}

/**
 * The strictest of several matching policies: the one with the most stages; among those, the one
 * needing the most approvals in all; among those, the one first in the file.
 */
export function strictest<P extends { policy: Policy; index: number }>(candidates: readonly P[]): P | undefined {
  return [...candidates].sort(
    (a, b) => b.policy.stages.length - a.policy.stages.length || approvalsNeeded(b.policy) - approvalsNeeded(a.policy) || a.index - b.index,
  )[0];
}

/** The policy a subject falls under, with its place in the file (1-based), or undefined for today's single stage. */
export interface MatchedPolicy {
  policy: Policy;
  /** 0-based position in the file. */
  index: number;
}

/**
 * The policies in force, as loaded at start. Without a file it is empty: every request has
 * today's single stage (the approver group, or an app's owners).
 */
export class PolicyBook {
  constructor(private readonly file: PolicyFile | undefined) {}

  /** Whether a policies file is in force. */
  get active(): boolean {
    return this.file !== undefined;
  }

  get policies(): readonly Policy[] {
    return this.file?.policies ?? [];
  }

  /** Every policy the subject matches, in file order. */
  matching(subject: PolicySubject): MatchedPolicy[] {
    return this.policies.map((policy, index) => ({ policy, index })).filter(({ policy }) => policyMatches(policy, subject));
  }

  /** The policy that governs the subject: the strictest of those that match. */
  match(subject: PolicySubject): MatchedPolicy | undefined {
    return strictest(this.matching(subject));
  }

  /**
   * The questions a new form shows before anything is typed: those of policies that match every
   * request of the kind (no criterion other than kinds). The others are asked once the form's
   * answers show that their policy applies.
   */
  questionsForForm(kind: PolicyKind): PolicyQuestion[] {
    const general = this.policies.filter((policy) => {
      const { kinds, ...rest } = policy.match;
      return (!kinds || kinds.includes(kind)) && Object.values(rest).every((criterion) => criterion === undefined);
    });
    const winner = strictest(general.map((policy) => ({ policy, index: this.policies.indexOf(policy) })));
    return winner ? winner.policy.questions : [];
  }

  /** The separation-of-duties rules a subject is checked against: the file's own, and those of every policy it matches. */
  separationRules(subject: PolicySubject): SeparationRule[] {
    return [...(this.file?.separationOfDuties ?? []), ...this.matching(subject).flatMap(({ policy }) => policy.separationOfDuties)];
  }
}
