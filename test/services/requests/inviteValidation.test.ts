import { checkEmailSyntax, emptyInviteForm, validateInviteForm, type InvitePolicy } from '../../../services/requests/inviteValidation';

const open: InvitePolicy = { allowedGuestDomains: [], blockedGuestDomains: [], assignableDirectoryRoles: [] };
const valid = { ...emptyInviteForm('jane@fabrikam.com'), justification: 'Joint project with Fabrikam on Falcon' };

describe('checkEmailSyntax', () => {
  it.each([['jane@fabrikam.com'], ["o'brien@fabrikam.com"], ['first.last_name@sub.fabrikam.co.uk']])('accepts %s', (email) =>
    expect(checkEmailSyntax(email)).toBeUndefined(),
  );

  it.each([
    ['', 'Enter'],
    ['jane', 'name@company.com'],
    ['jane@@fabrikam.com', 'name@company.com'],
    ['a+b@fabrikam.com', '"+"'],
    ['jane doe@fabrikam.com', 'spaces'],
    ['.jane@fabrikam.com', 'start or end'],
    ['jane.@fabrikam.com', 'start or end'],
    ['jane@fabrikam', 'not a valid domain'],
    [`${'x'.repeat(65)}@fabrikam.com`, 'at most 64'],
    [`x@${'a'.repeat(250)}.com`, 'at most 254'],
  ])('refuses %s', (email, words) => expect(checkEmailSyntax(email)).toContain(words));
});

describe('validateInviteForm', () => {
  it('accepts a complete form', () => {
    expect(validateInviteForm(valid, open)).toEqual({});
  });

  it('requires a justification', () => {
    expect(validateInviteForm({ ...valid, justification: '  ' }, open).justification).toContain('Say why');
  });

  it('refuses a blocked domain, including its subdomains', () => {
    const policy = { ...open, blockedGuestDomains: ['fabrikam.com'] };
    expect(validateInviteForm({ ...valid, email: 'x@eu.fabrikam.com' }, policy).email).toContain('blocked');
  });

  it('refuses a domain outside the allow list and names the allowed ones', () => {
    const policy = { ...open, allowedGuestDomains: ['contoso.com', 'northwind.com'] };
    expect(validateInviteForm(valid, policy).email).toBe('Guests from fabrikam.com are not allowed: allowed domains are contoso.com, northwind.com.');
  });

  it('compares the address without case or surrounding spaces', () => {
    const policy = { ...open, allowedGuestDomains: ['fabrikam.com'] };
    expect(validateInviteForm({ ...valid, email: '  Jane@FABRIKAM.com ' }, policy)).toEqual({});
  });

  it('refuses a directory role that admins did not allow', () => {
    const errors = validateInviteForm({ ...valid, directoryRoleId: '62e90394-69f5-4237-9190-012177145e10' }, open);
    expect(errors.directoryRoleId).toContain('cannot be requested');
  });

  it('accepts an allowed directory role in any case', () => {
    const policy = { ...open, assignableDirectoryRoles: ['95e79109-95c0-4d8e-aee3-d01accf2d47b'] };
    expect(validateInviteForm({ ...valid, directoryRoleId: '95E79109-95C0-4D8E-AEE3-D01ACCF2D47B' }, policy)).toEqual({});
  });

  it('refuses group ids that are not directory ids', () => {
    expect(validateInviteForm({ ...valid, groupIds: ['Project Falcon'] }, open).groupIds).toContain('not a directory group');
  });

  it('reports each field with its own problem', () => {
    const errors = validateInviteForm({ ...valid, email: 'nope', message: 'm'.repeat(501), displayName: 'd'.repeat(257), justification: '' }, open);
    expect(Object.keys(errors).sort()).toEqual(['displayName', 'email', 'justification', 'message']);
  });
});
