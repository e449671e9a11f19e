/**
 * Separation of duties: groups and apps that one guest must not hold together. A request is
 * checked against what the guest holds already in the directory and what the request adds.
 */
import type { NamedRef } from '../model';
import type { PolicyRef, SeparationRule } from './policyFile';

/** What a guest holds, by object id (lower case). */
export interface Holdings {
  groupIds: ReadonlySet<string>;
  appIds: ReadonlySet<string>;
}

export const NOTHING_HELD: Holdings = { groupIds: new Set(), appIds: new Set() };

/** One item of a rule the guest would hold, and whether they hold it already. */
export interface ConflictItem {
  kind: 'group' | 'app';
  name: string;
  alreadyHeld: boolean;
}

export interface Conflict {
  rule: string;
  items: ConflictItem[];
  /** Whether the request adds a group (so the form names the groups field) or only an app. */
  addsGroup: boolean;
}

/**
 * The rules the request would break: a rule is broken when the guest would hold two or more of its
 * groups and apps and the request adds at least one of them (what the guest holds already is the
 * directory's business, not this request's).
 */
export function separationConflicts(
  rules: readonly SeparationRule[],
  held: Holdings,
  added: { groups: readonly NamedRef[]; apps: readonly NamedRef[] },
): Conflict[] {
  const conflicts: Conflict[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    if (seen.has(rule.name)) continue;
    seen.add(rule.name);
    const items: (ConflictItem & { added: boolean })[] = [];
    const consider = (kind: 'group' | 'app', refs: readonly PolicyRef[], asked: readonly NamedRef[], holding: ReadonlySet<string>) => {
      for (const ref of refs) {
        const request = asked.find((a) => a.id.toLowerCase() === ref.id);
        const alreadyHeld = holding.has(ref.id);
        if (request || alreadyHeld)
          items.push({ kind, name: ref.name ?? request?.displayName ?? ref.id, alreadyHeld, added: request !== undefined && !alreadyHeld });
      }
    };
    consider('group', rule.groups, added.groups, held.groupIds);
    consider('app', rule.apps, added.apps, held.appIds);
    if (items.length >= 2 && items.some((i) => i.added)) {
      conflicts.push({
        rule: rule.name,
        items: items.map(({ kind, name, alreadyHeld }) => ({ kind, name, alreadyHeld })),
        addsGroup: items.some((i) => i.added && i.kind === 'group'),
      });
    }
  }
  return conflicts;
}

/** "Separation of duties (Finance and audit): the guest would hold both Finance Approvers and Audit Portal (already holds Audit Portal)." */
export function describeConflict(conflict: Conflict, guest: string): string {
  const names = conflict.items.map((i) => i.name);
  const both = names.length === 2 ? `both ${names[0]} and ${names[1]}` : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} together`;
  const already = conflict.items.filter((i) => i.alreadyHeld).map((i) => i.name);
  const held = already.length > 0 ? ` (already holds ${already.join(' and ')})` : '';
  return `Separation of duties (${conflict.rule}): ${guest} would hold ${both}${held}, which must not be held together.`;
}
