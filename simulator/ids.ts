import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Directory object ids are GUIDs (8-4-4-4-12 hex). A last group of 13 hex digits is accepted as
 * well: the Microsoft 365 Agents Playground's built-in users and tenant have ids such as
 * `00000000-0000-0000-0000-0000000000020`, and the bot must work against them in local mode.
 */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;

export function isObjectId(value: string): boolean {
  return OBJECT_ID.test(value);
}

/** GUIDs compare case-insensitively; the directory keys everything by the lower-case form. */
export function idKey(value: string): string {
  return value.toLowerCase();
}

export function newObjectId(): string {
  return randomUUID();
}

/** A random URL-safe string for values the real service keeps opaque (redeem codes, etc.). */
export function opaqueString(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Role assignment ids in the real service are opaque base64url strings ending in `-1`,
 * never GUIDs (e.g. `YUb1sHQtUEyvox7IA_Eu_mm3jqnUe4lEhvatluHVi2I-1`). Derive one deterministically
 * from the assignment's key so a seeded assignment keeps its id across restarts.
 */
export function roleAssignmentId(roleDefinitionId: string, principalId: string, scope: string): string {
  const digest = createHash('sha256')
    .update(`${idKey(roleDefinitionId)}|${idKey(principalId)}|${scope.toLowerCase()}`)
    .digest('base64url');
  return `${digest.slice(0, 44)}-1`;
}
