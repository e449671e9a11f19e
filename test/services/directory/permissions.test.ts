import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  FEATURE_NAMES,
  GRAPH_OPERATIONS,
  askedPermissions,
  graphOperations,
  missingFor,
  permissionsMarkdown,
  withPermissionsSection,
} from '../../../services/directory/permissions';

const README = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

describe('the Graph permission declaration', () => {
  it('is what the README shows (run npm run docs:permissions after changing it)', () => {
    expect(README).toContain(permissionsMarkdown());
    expect(withPermissionsSection(README)).toBe(README);
  });

  it('never asks for Group.ReadBasic.All, which cannot be granted to an app', () => {
    expect(askedPermissions()).not.toContain('Group.ReadBasic.All');
    expect(GRAPH_OPERATIONS.listGroups.requires[0][0]).toBe('GroupMember.Read.All');
    expect(README).not.toMatch(/\| `Group\.ReadBasic\.All` \|/);
  });

  it('declares what Microsoft documents for the calls that are easy to get wrong', () => {
    expect(GRAPH_OPERATIONS.listMemberOf.requires).toEqual([['Directory.Read.All', 'Directory.ReadWrite.All']]);
    expect(GRAPH_OPERATIONS.resetRedemption.requires).toEqual([['User.ReadWrite.All', 'Directory.ReadWrite.All']]);
    expect(GRAPH_OPERATIONS.deleteUser.requires).toEqual([['User.DeleteRestore.All', 'User.ReadWrite.All']]);
    expect(GRAPH_OPERATIONS.assignAppRole.requires.map((r) => r[0])).toEqual(['AppRoleAssignment.ReadWrite.All', 'Application.Read.All']);
    expect(GRAPH_OPERATIONS.disableUser.requires.map((r) => r[0])).toEqual(['User.EnableDisableAccount.All', 'User.Read.All']);
  });

  it('serves every feature with at least one call, and names each call once', () => {
    for (const feature of FEATURE_NAMES) expect(graphOperations().some((o) => o.features.includes(feature))).toBe(true);
    const keys = graphOperations().map((o) => `${o.method} ${o.path} ${JSON.stringify(o.variant ?? null)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names the least privileged permission a feature misses, once, and nothing when a higher one is granted', () => {
    expect(missingFor('revokeDelete', new Set(['User.Read.All']))).toEqual(['User.DeleteRestore.All']);
    expect(missingFor('revokeDelete', new Set(['User.Read.All', 'User.ReadWrite.All']))).toEqual([]);
    expect(missingFor('appAccess', new Set(['User.Read.All', 'Application.Read.All']))).toEqual(['AppRoleAssignment.ReadWrite.All']);
    expect(missingFor('roleChecks', new Set())).toEqual(['User.Read.All', 'GroupMember.Read.All']);
  });
});
