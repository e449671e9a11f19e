import type { GuestPage } from '../../../services/directory/graphDirectory';
import type { DirectoryGuest } from '../../../services/directory/guestQueries';
import { Capabilities } from '../../../services/directory/capabilities';
import { GuestTotalsService, MAX_DOMAINS } from '../../../services/guests/guestTotals';
import { createLogger } from '../../../services/platform/logger';
import type { AuditEntry } from '../../../services/requests/model';

const ADMIN = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'Adele Vance' };
const EMPLOYEE = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000002', name: 'Alex Wilber' };

function guest(i: number, domain: string, changes: Partial<DirectoryGuest> = {}): DirectoryGuest {
  return {
    id: `g-${i}`,
    displayName: `Guest ${i}`,
    mail: `guest${i}@${domain}`,
    otherMails: [],
    userPrincipalName: `guest${i}_${domain}#EXT#@contoso.onmicrosoft.com`,
    userType: 'Guest',
    externalUserState: 'Accepted',
    externalUserStateChangeDateTime: null,
    createdDateTime: null,
    accountEnabled: true,
    ...changes,
  };
}

/** A directory answering in pages of `pageSize`, counting its calls. */
function pagedDirectory(guests: DirectoryGuest[], pageSize: number) {
  const calls = { list: 0, next: 0 };
  const page = (from: number): GuestPage => ({
    guests: guests.slice(from, from + pageSize),
    count: guests.length,
    nextLink: from + pageSize < guests.length ? `https://graph.example/next?from=${from + pageSize}` : undefined,
  });
  return {
    calls,
    directory: {
      listGuests: async () => {
        calls.list += 1;
        return page(0);
      },
      nextGuests: async (link: string) => {
        calls.next += 1;
        return page(Number(new URL(link).searchParams.get('from')));
      },
    },
  };
}

function service(guests: DirectoryGuest[], options: { now?: () => Date; pageSize?: number } = {}) {
  const audit: AuditEntry[] = [];
  const { directory, calls } = pagedDirectory(guests, options.pageSize ?? 10);
  const totals = new GuestTotalsService({
    directory,
    roles: { isAdmin: async (id) => id === ADMIN.aadObjectId },
    store: { appendAudit: async (entry) => void audit.push(entry) },
    capabilities: Capabilities.everything(),
    clock: { now: options.now ?? (() => new Date('2026-11-20T10:00:00Z')) },
    logger: createLogger('silent'),
  });
  return { totals, audit, calls };
}

describe('guest totals', () => {
  it('counts every page of guests by state and by domain, largest domain first', async () => {
    const guests = [
      ...Array.from({ length: 12 }, (_, i) => guest(i, 'fabrikam.com')),
      guest(100, 'contoso.com', { externalUserState: 'PendingAcceptance' }),
      guest(101, 'contoso.com', { accountEnabled: false }),
      guest(102, 'Northwind.com'),
      guest(103, 'nowhere.com', { mail: null }),
    ];
    const { totals, calls } = service(guests, { pageSize: 5 });
    const outcome = await totals.totals(ADMIN, 'test');
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.value).toMatchObject({ total: 16, pendingAcceptance: 1, accepted: 15, disabled: 1 });
    expect(outcome.value.byDomain.map((d) => [d.domain, d.total])).toEqual([
      ['fabrikam.com', 12],
      ['contoso.com', 2],
      ['(no mail address)', 1],
      ['northwind.com', 1],
    ]);
    expect(calls).toEqual({ list: 1, next: 3 });
  });

  it('names the largest domains and counts the rest together', async () => {
    const guests = Array.from({ length: MAX_DOMAINS + 5 }, (_, i) => guest(i, `partner${String(i).padStart(3, '0')}.com`));
    guests.push(guest(999, 'partner000.com'));
    const { totals } = service(guests, { pageSize: 999 });
    const outcome = await totals.totals(ADMIN, 'test');
    if (outcome.kind !== 'ok') throw new Error(outcome.kind);
    expect(outcome.value.byDomain).toHaveLength(MAX_DOMAINS);
    expect(outcome.value.byDomain[0]).toMatchObject({ domain: 'partner000.com', total: 2 });
    expect(outcome.value.otherDomains).toMatchObject({ total: 5 });
  });

  it('reads the directory once for admins who ask together, and again once the counts are old', async () => {
    let now = new Date('2026-11-20T10:00:00Z');
    const { totals, calls } = service([guest(1, 'fabrikam.com')], { now: () => now });
    await Promise.all([totals.totals(ADMIN, 'a'), totals.totals(ADMIN, 'b'), totals.totals(ADMIN, 'c')]);
    expect(calls.list).toBe(1);
    now = new Date('2026-11-20T10:04:00Z');
    await totals.totals(ADMIN, 'd');
    expect(calls.list).toBe(1);
    now = new Date('2026-11-20T10:06:00Z');
    await totals.totals(ADMIN, 'e');
    expect(calls.list).toBe(2);
  });

  it('refuses someone who is not an admin, audits the attempt and reads nothing', async () => {
    const { totals, audit, calls } = service([guest(1, 'fabrikam.com')]);
    expect(await totals.totals(EMPLOYEE, 'tab:1')).toMatchObject({ kind: 'forbidden' });
    expect(audit).toEqual([
      expect.objectContaining({
        actor: EMPLOYEE.aadObjectId,
        action: 'admin_command_refused',
        source: 'tab:1',
        detail: { command: 'guests.totals', why: 'not_admin' },
      }),
    ]);
    expect(calls.list).toBe(0);
  });
});
