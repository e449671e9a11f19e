/**
 * Entra object ids are GUIDs. The Microsoft 365 Agents Playground's default users and tenant carry
 * ids with 13 digits in the last group, so the bot accepts that shape too in order to run there.
 */
const DIRECTORY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12,13}$/i;

export function isDirectoryId(value: string): boolean {
  return DIRECTORY_ID.test(value);
}
