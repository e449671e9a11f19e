/**
 * The admins' `policies` command: the policies in force, in words, and which one a hypothetical
 * request would fall under (`policies test invite jane@fabrikam.com groups:"Project Falcon"`).
 */
import type { DirectoryCatalog } from '../../directory/directoryCatalog';
import type { NamedRef } from '../model';
import type { Policy, PolicyKind, PolicyRef, PolicyStage } from './policyFile';
import { POLICY_KINDS } from './policyFile';
import { strictest, type PolicyBook, type PolicySubject } from './policyMatching';

/** One policy as the command lists it. */
export interface PolicySummary {
  name: string;
  description?: string;
  /** "invite requests for *.contoso.com", "every request". */
  match: string;
  /** "Stage 1: the requester's manager (any one)". */
  stages: string[];
  questions: string[];
  separation: string[];
}

/** What `policies test` found. */
export interface PolicyTest {
  /** The hypothetical request, in words. */
  asked: string;
  /** The governing policy's name; undefined means today's single stage. */
  matched?: string;
  /** The other policies that match too, less strict. */
  alsoMatching: string[];
  stages: string[];
  /** Names typed that the directory does not know (left out of the test). */
  unknown: string[];
}

export interface PoliciesView {
  /** Whether a policies file is in force at all. */
  active: boolean;
  policies: PolicySummary[];
  test?: PolicyTest;
}

const KIND_WORDS: Readonly<Record<string, PolicyKind>> = { invite: 'invite', app: 'appAccess', appaccess: 'appAccess', extension: 'extension', batch: 'batch' };
const USAGE = 'Type "policies", or "policies test invite jane@fabrikam.com groups:"Project Falcon"" (also app:"Partner Portal", role:"Guest Inviter").';

const refName = (ref: PolicyRef): string => ref.name ?? ref.id;

export class PolicyInspector {
  constructor(
    private readonly deps: {
      book: PolicyBook;
      catalog: Pick<DirectoryCatalog, 'searchGroups' | 'searchAppRoles' | 'assignableRoles'>;
    },
  ) {}

  /** Every policy in force, in file order; empty without POLICIES_PATH. */
  summaries(): PolicySummary[] {
    return this.deps.book.policies.map((policy) => summarise(policy));
  }

  /** `policies` with nothing after it lists; `policies test ...` tests a hypothetical request. */
  async view(text: string): Promise<{ ok: true; view: PoliciesView } | { ok: false; message: string }> {
    const view: PoliciesView = { active: this.deps.book.active, policies: this.summaries() };
    const args = text.trim();
    if (!args) return { ok: true, view };
    const testArgs = /^test(\s+|$)/i.exec(args) ? args.replace(/^test\s*/i, '') : undefined;
    if (testArgs === undefined) return { ok: false, message: USAGE };
    const parsed = await this.subjectFrom(testArgs);
    if (!parsed.ok) return parsed;
    const { subject, unknown } = parsed;
    const matching = this.deps.book.matching(subject);
    const winner = strictest(matching);
    return {
      ok: true,
      view: {
        ...view,
        test: {
          asked: describeSubject(subject),
          matched: winner?.policy.name,
          alsoMatching: matching.filter((m) => m !== winner).map((m) => m.policy.name),
          stages: winner
            ? winner.policy.stages.map(describeStage)
            : ["Stage 1 of 1: the approver group, or the app's owners for a request that only grants their app (no policy matches)"],
          unknown,
        },
      },
    };
  }

  /** `invite jane@fabrikam.com groups:"Project Falcon","Contractors" app:"Partner Portal" role:"Guest Inviter"`. */
  private async subjectFrom(text: string): Promise<{ ok: true; subject: PolicySubject; unknown: string[] } | { ok: false; message: string }> {
    const tokens = [...text.matchAll(/(\w+):((?:"[^"]*"(?:,"[^"]*")*)|\S+)|(\S+)/g)];
    const subject: PolicySubject = { kind: 'invite', domains: [], groups: [], apps: [] };
    const unknown: string[] = [];
    let kindSeen = false;
    for (const [, key, value, word] of tokens) {
      if (word !== undefined) {
        const kind = KIND_WORDS[word.toLowerCase()];
        if (kind && !kindSeen) {
          subject.kind = kind;
          kindSeen = true;
        } else if (word.includes('@')) subject.domains.push(word.slice(word.lastIndexOf('@') + 1).toLowerCase());
        else return { ok: false, message: `"${word}" is neither a kind (${POLICY_KINDS.join(', ')}) nor an address. ${USAGE}` };
        continue;
      }
      const names = (value ?? '')
        .split(/","|,/)
        .map((n) => n.replace(/^"|"$/g, '').trim())
        .filter(Boolean);
      switch ((key ?? '').toLowerCase()) {
        case 'groups':
        case 'group':
          for (const name of names) {
            const found = await this.find(name, async () =>
              (await this.deps.catalog.searchGroups(name, 25)).map((g) => ({ id: g.id, displayName: g.displayName })),
            );
            if (found) subject.groups.push(found);
            else unknown.push(`group "${name}"`);
          }
          break;
        case 'app':
        case 'apps':
          for (const name of names) {
            const found = await this.find(name, async () =>
              (await this.deps.catalog.searchAppRoles(name, 25)).map((c) => ({
                id: c.value.split('|')[0] ?? '',
                displayName: c.title.split(' (')[0]?.split(' — ')[0] ?? c.title,
              })),
            );
            if (found) subject.apps.push(found);
            else unknown.push(`application "${name}"`);
          }
          break;
        case 'role': {
          const name = names[0] ?? '';
          const found = await this.find(name, () => this.deps.catalog.assignableRoles());
          // A role the admins do not offer still makes "asks a directory role" true for the test.
          subject.directoryRole = found ?? { id: '', displayName: name };
          break;
        }
        case 'domain':
          subject.domains.push(...names.map((n) => n.toLowerCase()));
          break;
        default:
          return { ok: false, message: `"${key ?? ''}:" is not understood. ${USAGE}` };
      }
    }
    return { ok: true, subject, unknown };
  }

  /** The directory object named exactly `name` (ignoring case) among `list`'s results. */
  private async find(name: string, list: () => Promise<NamedRef[]>): Promise<NamedRef | undefined> {
    const lower = name.toLowerCase();
    return (await list().catch(() => [])).find((ref) => ref.displayName.toLowerCase() === lower || ref.id.toLowerCase() === lower);
  }
}

function summarise(policy: Policy): PolicySummary {
  return {
    name: policy.name,
    description: policy.description,
    match: describeMatch(policy),
    stages: policy.stages.map(describeStage),
    questions: policy.questions.map((q) => `${q.label} (${q.type}${q.required ? ', required' : ''})`),
    separation: policy.separationOfDuties.map((rule) => `${rule.name}: ${[...rule.groups, ...rule.apps].map(refName).join(' / ')}`),
  };
}

function describeMatch(policy: Policy): string {
  const { kinds, domains, groups, apps, directoryRole } = policy.match;
  const parts: string[] = [];
  parts.push(kinds ? `${kinds.join(' or ')} requests` : 'requests');
  if (domains) parts.push(`for guests from ${domains.join(' or ')}`);
  if (groups) parts.push(`adding ${groups.map(refName).join(' or ')}`);
  if (apps) parts.push(`granting ${apps.map(refName).join(' or ')}`);
  if (directoryRole === true) parts.push('granting a directory role');
  else if (directoryRole) parts.push(`granting ${directoryRole.map(refName).join(' or ')}`);
  return parts.length === 1 && !kinds ? 'every request' : parts.join(' ');
}

function describeStage(stage: PolicyStage, index: number, stages: readonly PolicyStage[]): string {
  const who = {
    manager: "the requester's manager",
    sponsor: "the guest's sponsor",
    group: `a member of ${stage.group ? refName(stage.group) : 'the group'}`,
    appOwners: `the owners of ${stage.app ? refName(stage.app) : 'the application asked for'}`,
  }[stage.approvers];
  const how = stage.approvals > 1 ? `${stage.approvals} different people` : 'any one';
  const fallback = stage.fallbackGroup ? refName(stage.fallbackGroup) : 'the approver group';
  const escalation = stage.escalation
    ? `; reminder after ${minutesText(stage.escalation.remindAfter)}, then ${fallback} after ${minutesText(stage.escalation.escalateAfter)}`
    : '';
  return `Stage ${index + 1} of ${stages.length}: ${stage.name} — ${who} (${how})${escalation}`;
}

function minutesText(minutes: number): string {
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

function describeSubject(subject: PolicySubject): string {
  const kinds: Record<PolicyKind, string> = {
    invite: 'An invitation',
    appAccess: 'An app access request',
    extension: 'An extension',
    batch: 'A batch of invitations',
  };
  const parts = [kinds[subject.kind]];
  if (subject.domains.length > 0) parts.push(`for ${subject.domains.join(', ')}`);
  if (subject.groups.length > 0) parts.push(`adding ${subject.groups.map((g) => g.displayName).join(', ')}`);
  if (subject.apps.length > 0) parts.push(`granting ${subject.apps.map((a) => a.displayName).join(', ')}`);
  if (subject.directoryRole) parts.push(`with the directory role ${subject.directoryRole.displayName}`);
  return parts.join(' ');
}
