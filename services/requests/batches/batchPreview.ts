/**
 * The preview of an Invite many file: every row checked as the single invite form checks one
 * guest (the same rules, from inviteValidation.ts and requestValidator.ts), plus duplicates inside
 * the file, with the directory read in batches: addresses 20 to a `$batch`, group names 15 to a
 * query and resolved once each, open requests one query per chunk of addresses.
 */
import type { Capabilities } from '../../directory/capabilities';
import type { GraphDirectory } from '../../directory/graphDirectory';
import { toGraphFailure } from '../../directory/graphErrors';
import { checkAccessUntil, type AccessPeriodSettings } from '../../lifecycle/accessPeriod';
import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/logger';
import { domainOf, emptyInviteForm, LIMITS, normaliseEmail, validateInviteForm, type InvitePolicy } from '../inviteValidation';
import type { NamedRef } from '../model';
import type { RequestPolicy } from '../requestPolicy';
import type { PolicyBook } from '../policies/policyMatching';
import { describeConflict, NOTHING_HELD, separationConflicts } from '../policies/separationOfDuties';
import { describeExisting, OPEN_STATES, openRequestProblem } from '../requestValidator';
import type { Store } from '../../store/store';
import { parseInviteCsv, type CsvRow } from './csv';

export type PreviewDirectory = Pick<GraphDirectory, 'findUsersByEmails' | 'findGroupsByNames'>;

/** One row of the file with what the checks found; no problems means it will be filed. */
export interface PreviewRow {
  line: number;
  /** Lower-cased and trimmed. */
  email: string;
  displayName: string;
  message: string;
  /** The group names as typed. */
  groupNames: string[];
  /** The groups those names resolved to. */
  groups: NamedRef[];
  /** The last day of access: as typed, or the suggested one when the cell is empty. */
  accessUntil?: string;
  problems: string[];
}

export type PreviewResult = { ok: true; rows: PreviewRow[]; valid: number; invalid: number } | { ok: false; message: string };

/** Lets the single form's field checks run on a row; the batch's one justification is checked apart. */
const ROW_JUSTIFICATION = 'Checked once for the whole batch.';

export class BatchPreview {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'findOpenAddresses'>;
      directory: PreviewDirectory;
      policy: Pick<RequestPolicy, 'refusals'>;
      /** The approval policies' separation-of-duties rules, as the single form applies them; none without POLICIES_PATH. */
      policies?: Pick<PolicyBook, 'separationRules'>;
      settings: InvitePolicy;
      capabilities: Pick<Capabilities, 'offMessage' | 'require'>;
      access: AccessPeriodSettings;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Parses and checks the file; `ok: false` when the file itself cannot be read or the directory failed. */
  async preview(csv: string): Promise<PreviewResult> {
    this.deps.capabilities.require('invite');
    const parsed = parseInviteCsv(csv);
    if (!parsed.ok) return parsed;
    try {
      const rows = await this.check(parsed.rows);
      const valid = rows.filter((r) => r.problems.length === 0).length;
      return { ok: true, rows, valid, invalid: rows.length - valid };
    } catch (error) {
      const failure = toGraphFailure(error);
      this.deps.logger.warn({ status: failure.status, code: failure.code }, 'batch preview: directory check failed');
      return { ok: false, message: `The file could not be checked: ${failure.userMessage}` };
    }
  }

  private async check(csvRows: readonly CsvRow[]): Promise<PreviewRow[]> {
    const { settings, access, clock, capabilities, directory, store, policy } = this.deps;
    const now = clock.now();
    const firstLineOf = new Map<string, number>();
    /** Rows whose address passed the form's checks and is its first in the file: only those are worth a directory read. */
    const lookedUp = new Set<PreviewRow>();
    const rows: PreviewRow[] = csvRows.map((csvRow) => {
      const email = normaliseEmail(csvRow.email);
      const values = { ...emptyInviteForm(email), displayName: csvRow.displayName, message: csvRow.message, justification: ROW_JUSTIFICATION };
      const errors = validateInviteForm(values, settings, 'invite');
      const problems = [errors.email, errors.displayName, errors.message].filter((p): p is string => p !== undefined);
      const until = checkAccessUntil(csvRow.until, { now, settings: access });
      if (!until.ok) problems.push(`until: ${until.message}`);
      const first = email ? firstLineOf.get(email) : undefined;
      if (first !== undefined) problems.push(`${email} is on line ${first} already.`);
      else if (email && !errors.email) firstLineOf.set(email, csvRow.line);
      if (csvRow.groups.length > LIMITS.groups) problems.push(`Choose at most ${LIMITS.groups} groups.`);
      const row: PreviewRow = {
        line: csvRow.line,
        email,
        displayName: csvRow.displayName,
        message: csvRow.message,
        groupNames: csvRow.groups,
        groups: [],
        accessUntil: until.ok ? until.until : undefined,
        problems,
      };
      if (email && !errors.email && first === undefined) lookedUp.add(row);
      return row;
    });

    const addresses = [...lookedUp].map((r) => r.email);
    const names = [...new Set(rows.flatMap((r) => r.groupNames))];
    const groupsOff = names.length > 0 ? capabilities.offMessage('groups') : undefined;
    const [users, open, groupsByName] = await Promise.all([
      directory.findUsersByEmails(addresses),
      store.findOpenAddresses(addresses, OPEN_STATES),
      names.length > 0 && !groupsOff ? directory.findGroupsByNames(names) : Promise.resolve(new Map<string, (NamedRef & { assignable: boolean })[]>()),
    ]);
    const openFor = new Map(open.map((o) => [o.email, o.requestId]));

    for (const row of lookedUp) {
      const existing = users.get(row.email)?.[0];
      if (existing) row.problems.push(describeExisting(row.email, existing));
      const clash = openFor.get(row.email);
      if (clash && !existing) row.problems.push(openRequestProblem(row.email, clash));
    }
    for (const row of rows) {
      if (row.groupNames.length === 0) continue;
      if (groupsOff) {
        row.problems.push(groupsOff);
        continue;
      }
      for (const name of row.groupNames) {
        const named = groupsByName.get(name.toLowerCase()) ?? [];
        const assignable = named.filter((g) => g.assignable);
        if (named.length === 0) row.problems.push(`There is no group named "${name}".`);
        else if (assignable.length === 0) row.problems.push(`The group "${name}" cannot take guests (dynamic, mail-enabled or able to hold directory roles).`);
        else if (assignable.length > 1)
          row.problems.push(`${assignable.length} groups are named "${name}"; rename one in Entra or invite these guests with the single form.`);
        else if (assignable[0] && !row.groups.some((g) => g.id === assignable[0]?.id))
          row.groups.push({ id: assignable[0].id, displayName: assignable[0].displayName });
      }
    }
    // The admins' protected groups, as the single form refuses them (the domain was checked with the address).
    const refusedGroups = new Map<string, string>();
    const allGroups = [...new Map(rows.flatMap((r) => r.groups).map((g) => [g.id, g])).values()];
    await Promise.all(
      allGroups.map(async (group) => {
        const refusals = await policy.refusals({ email: '', groups: [group], directoryRole: undefined });
        const reason = refusals.find((r) => r.field === 'groupIds')?.reason;
        if (reason) refusedGroups.set(group.id, reason);
      }),
    );
    for (const row of rows) {
      for (const group of row.groups) {
        const reason = refusedGroups.get(group.id);
        if (reason) row.problems.push(reason);
      }
    }
    // Separation of duties: a row's guest is new (an address already in the directory is refused above), so only the row's own groups can clash.
    const { policies } = this.deps;
    if (policies) {
      for (const row of rows) {
        if (row.groups.length < 2) continue;
        const rules = policies.separationRules({ kind: 'batch', domains: [domainOf(row.email)], groups: row.groups, apps: [] });
        for (const conflict of separationConflicts(rules, NOTHING_HELD, { groups: row.groups, apps: [] })) {
          row.problems.push(describeConflict(conflict, row.displayName || row.email));
        }
      }
    }
    return rows;
  }
}
