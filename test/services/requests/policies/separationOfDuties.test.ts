import { checkPolicies } from '../../../../services/requests/policies/policyFile';
import { describeConflict, NOTHING_HELD, separationConflicts } from '../../../../services/requests/policies/separationOfDuties';

const FINANCE = '11111111-1111-4111-8111-111111111111';
const AUDIT = '22222222-2222-4222-8222-222222222222';
const PORTAL = '33333333-3333-4333-8333-333333333333';

function rules() {
  const checked = checkPolicies({
    policies: [{ name: 'p', stages: [{ name: 's', approvers: 'sponsor' }] }],
    separationOfDuties: [
      {
        name: 'Finance and audit',
        groups: [
          { id: FINANCE, name: 'Finance' },
          { id: AUDIT, name: 'Audit' },
        ],
        apps: [{ id: PORTAL, name: 'Portal' }],
      },
    ],
  });
  if (!checked.ok) throw new Error(checked.problems.join());
  return checked.file.separationOfDuties;
}

describe('separation of duties', () => {
  it('refuses a request that adds two items of a rule at once', () => {
    const conflicts = separationConflicts(rules(), NOTHING_HELD, {
      groups: [
        { id: FINANCE, displayName: 'Finance' },
        { id: AUDIT, displayName: 'Audit' },
      ],
      apps: [],
    });
    expect(conflicts).toHaveLength(1);
    expect(describeConflict(conflicts[0], 'Jane')).toBe(
      'Separation of duties (Finance and audit): Jane would hold both Finance and Audit, which must not be held together.',
    );
  });

  it('counts what the guest already holds in the directory, and names it', () => {
    const conflicts = separationConflicts(
      rules(),
      { groupIds: new Set([AUDIT]), appIds: new Set() },
      { groups: [], apps: [{ id: PORTAL, displayName: 'Portal' }] },
    );
    expect(conflicts[0]).toMatchObject({ addsGroup: false });
    expect(describeConflict(conflicts[0], 'Jane')).toContain('both Audit and Portal (already holds Audit)');
  });

  it('leaves alone a request that adds one item, and what the guest held before the request', () => {
    expect(separationConflicts(rules(), NOTHING_HELD, { groups: [{ id: FINANCE, displayName: 'Finance' }], apps: [] })).toEqual([]);
    expect(separationConflicts(rules(), { groupIds: new Set([FINANCE, AUDIT]), appIds: new Set() }, { groups: [], apps: [] })).toEqual([]);
  });
});
