import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, type LocalDefaults } from '../../../../services/platform/config';
import { loadPolicyFile } from '../../../../services/requests/policies/policyFile';

const local: LocalDefaults = {
  tenantId: '00000000-0000-0000-0000-0000000000001',
  approverGroupId: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0001',
  adminGroupId: '6c1f6c0e-2a55-4c59-9d4f-0b1d7a5e0002',
};
const EXAMPLES = path.join(__dirname, '../../../../docs/policies');
const dir = mkdtempSync(path.join(tmpdir(), 'policies-'));

function file(name: string, text: string): string {
  const filePath = path.join(dir, name);
  writeFileSync(filePath, text);
  return filePath;
}

describe('the policies file', () => {
  const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'));

  it('has the three example shapes the README shows', () => {
    expect(examples.sort()).toEqual(['app-owners.yaml', 'directory-roles.yaml', 'watched-domain.yaml']);
  });

  it.each(examples)('loads the README example docs/policies/%s through the real schema', (name) => {
    const problems: string[] = [];
    const policies = loadPolicyFile(path.join(EXAMPLES, name), problems);
    expect(problems).toEqual([]);
    expect(policies?.policies.length).toBeGreaterThan(0);
    // And the start takes it as POLICIES_PATH.
    expect(loadConfig({ POLICIES_PATH: path.join(EXAMPLES, name) }, local).policies).toEqual(policies);
  });

  it.each(examples)('is shown in the README as docs/policies/%s holds it', (name) => {
    const readme = readFileSync(path.join(EXAMPLES, '../../README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`yaml\n${readFileSync(path.join(EXAMPLES, name), 'utf8').trimEnd()}\n\`\`\``);
  });

  it('reads durations, defaults and references', () => {
    const problems: string[] = [];
    const policies = loadPolicyFile(path.join(EXAMPLES, 'directory-roles.yaml'), problems);
    const [manager, security] = policies?.policies[0]?.stages ?? [];
    expect(manager).toMatchObject({ approvers: 'manager', approvals: 1, escalation: { remindAfter: 24 * 60, escalateAfter: 48 * 60 } });
    expect(security).toMatchObject({ approvers: 'group', approvals: 2, group: { id: 'b34be9e6-3971-482c-9fc7-66ec23ea6f71', name: 'Security Team' } });
  });

  it('reads JSON as well as YAML', () => {
    const problems: string[] = [];
    const json = file('p.json', JSON.stringify({ policies: [{ name: 'All', stages: [{ name: 'approvers', approvers: 'sponsor' }] }] }));
    expect(loadPolicyFile(json, problems)?.policies[0]?.match).toEqual({});
    expect(problems).toEqual([]);
  });

  it('stops the start listing every problem, each with where it is and the policy named', () => {
    const bad = file(
      'bad.yaml',
      `
policies:
  - name: Roles
    match: { directoryRole: true, colour: blue }
    stages:
      - { name: one, approvers: group }
      - { name: two, approvers: manager, escalation: { remindAfter: 2d, escalateAfter: 1d } }
      - { name: three, approvers: boss, approvals: 0 }
    questions:
      - { id: ticket, label: Ticket, type: choice }
  - name: roles
    stages: []
  - name: Many
    stages: [{ name: a, approvers: sponsor }, { name: b, approvers: sponsor }, { name: c, approvers: sponsor }, { name: d, approvers: sponsor }]
`,
    );
    let problems: string[] = [];
    try {
      loadConfig({ POLICIES_PATH: bad, ALLOWED_GUEST_DOMAINS: 'not a domain' }, local);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ALLOWED_GUEST_DOMAINS'),
        expect.stringMatching(/^POLICIES_PATH \(bad\.yaml\): policies\[0\] "Roles"\.match: .*colour/),
        'POLICIES_PATH (bad.yaml): policies[2] "Many".stages: Too big: expected array to have <=3 items',
        'POLICIES_PATH (bad.yaml): policies[0] "Roles".stages[0].group: is required when approvers is group',
        'POLICIES_PATH (bad.yaml): policies[0] "Roles".stages[1].escalation.escalateAfter: must be later than remindAfter',
        expect.stringMatching(/^POLICIES_PATH \(bad\.yaml\): policies\[0\] "Roles"\.stages\[2\]\.approvers: /),
        expect.stringMatching(/^POLICIES_PATH \(bad\.yaml\): policies\[0\] "Roles"\.stages\[2\]\.approvals: /),
        'POLICIES_PATH (bad.yaml): policies[0] "Roles".questions[0].choices: is required for a choice question',
        expect.stringMatching(/^POLICIES_PATH \(bad\.yaml\): policies\[1\] "roles"\.stages: /),
        'POLICIES_PATH (bad.yaml): policies[1] "roles".name: "roles" names two policies',
      ]),
    );
  });

  it('names a file that cannot be read or parsed', () => {
    const problems: string[] = [];
    loadPolicyFile(path.join(dir, 'missing.yaml'), problems);
    loadPolicyFile(file('broken.yaml', 'policies: [\n'), problems);
    loadPolicyFile(file('policies.txt', ''), problems);
    expect(problems).toEqual([
      'POLICIES_PATH (missing.yaml): cannot be read (ENOENT).',
      expect.stringMatching(/^POLICIES_PATH \(broken\.yaml\): is not valid YAML: /),
      'POLICIES_PATH (policies.txt): the file must end in .yaml, .yml or .json.',
    ]);
  });

  it('leaves policies out without POLICIES_PATH (one stage, as before)', () => {
    expect(loadConfig({}, local).policies).toBeUndefined();
  });
});
