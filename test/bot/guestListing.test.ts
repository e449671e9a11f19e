import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { VERBS } from '../../cards/verbs';
import type { Clock } from '../../services/platform/clock';
import { loadDemoSeed, withGeneratedGuests } from '../../simulator';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { GraphLog, StoreOnDisk, buttonData } from '../helpers/admin';
import { BotHarness, people } from '../helpers/botHarness';
import { invokeCard, invokeError, say } from '../helpers/conversation';
import type { TeamsUser } from '../helpers/teamsActivities';

const GENERATED = 2500;
/** The demo tenant's four guests plus the generated ones. */
const TOTAL = GENERATED + 4;
const CHANNEL = '19:guest-admins@thread.tacv2';

/** The e-mail addresses of the guests listed on a card, in order. */
function listedEmails(card: AdaptiveCard): string[] {
  return cardText(card)
    .split('\n')
    .map((line) => /^\*\*.+\*\* · (\S+@\S+)$/.exec(line)?.[1])
    .filter((e): e is string => e !== undefined);
}

describe('guests: listing and paging over HTTP', () => {
  let harness: BotHarness | undefined;
  let disk: StoreOnDisk;
  let graph: GraphLog;

  beforeEach(() => {
    disk = new StoreOnDisk();
    graph = new GraphLog();
  });

  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
    disk.remove();
  });

  async function start(options: { guests?: number; premium?: boolean; domains?: string[]; clock?: Clock } = {}): Promise<BotHarness> {
    const seed = withGeneratedGuests(loadDemoSeed(), options.guests ?? GENERATED, options.domains ? { domains: options.domains } : {});
    harness = await BotHarness.start({}, { store: disk.store, clock: options.clock, simulator: { seed, premium: options.premium, log: graph.log } });
    return harness;
  }

  async function click(h: BotHarness, user: TeamsUser, cursorId: unknown) {
    const activity = h.activities.cardAction(user, VERBS.guestsPage, { cursorId });
    return { activity, result: await h.post(activity) };
  }

  async function next(h: BotHarness, card: AdaptiveCard, user: TeamsUser = people.adele): Promise<AdaptiveCard | undefined> {
    const data = buttonData(card, VERBS.guestsPage, 'Next');
    if (!data || !('cursorId' in data)) return undefined;
    return invokeCard((await click(h, user, data.cursorId)).result);
  }

  it('pages through 2,500 guests in three Graph calls of $top=999, and back without calling Graph again', async () => {
    const h = await start();
    const first = await say(h, people.adele, 'guests');
    expect(first.text).toContain(`${TOTAL.toLocaleString('en-US')} guests · showing 1–25`);
    expect(listedEmails(first.card)).toHaveLength(25);
    expect(buttonData(first.card, VERBS.guestsPage, 'Previous')).toBeUndefined();

    const seen = new Set(listedEmails(first.card));
    let card: AdaptiveCard = first.card;
    let startOfSecondGraphPage: AdaptiveCard | undefined;
    for (let shown = await next(h, card); shown; shown = await next(h, card)) {
      card = shown;
      listedEmails(card).forEach((e) => seen.add(e));
      if (cardText(card).includes('showing 1,000–1,024')) startOfSecondGraphPage = card;
    }
    expect(seen.size).toBe(TOTAL);
    // Cards slice each Graph page, so the last one holds what is left of the third page.
    expect(cardText(card)).toMatch(/showing 2,4\d\d–2,504$/m);

    const listings = graph.userListings();
    expect(listings).toHaveLength(3);
    expect(listings.every((l) => l.includes('$top=999') && l.endsWith('-> 200'))).toBe(true);
    expect(listings[0]).toContain('$count=true');
    expect(listings.slice(1).every((l) => /\$skiptoken=/.test(l))).toBe(true);

    // Previous crosses back into the first Graph page from the store.
    const back = buttonData(startOfSecondGraphPage!, VERBS.guestsPage, 'Previous');
    const previous = invokeCard((await click(h, people.adele, back && 'cursorId' in back ? back.cursorId : '')).result);
    expect(cardText(previous)).toContain('showing 976–999');
    expect(graph.userListings()).toHaveLength(3);
  });

  it('sends ConsistencyLevel again on every nextLink, so an advanced filter works past the first page', async () => {
    const h = await start({ guests: 1200, domains: ['fabrikam.com'] });
    let card: AdaptiveCard | undefined = (await say(h, people.lynne, 'guests domain:fabrikam.com')).card;
    expect(cardText(card)).toContain('Guests: domain:fabrikam.com');
    expect(cardText(card)).toContain('1,202 guests');
    let last = card;
    for (; card; card = await next(h, card, people.lynne)) last = card;
    expect(cardText(last)).toMatch(/showing 1,\d{3}–1,202$/m);
    expect(graph.userListings()).toHaveLength(2);
    expect(decodeURIComponent(graph.userListings()[0])).toContain("endswith(mail,'@fabrikam.com')");
  });

  it('combines filters, which Graph applies: pending guests created in the last 400 days; disabled guests', async () => {
    const h = await start({ guests: 300 });
    const guests = h.simulator.directory.users.filter((u) => u.userType === 'Guest');
    const recentPending = guests.filter(
      (u) => u.externalUserState === 'PendingAcceptance' && Date.parse(u.createdDateTime ?? '') >= Date.now() - 400 * 24 * 3600_000,
    );
    expect(recentPending.length).toBeGreaterThan(0);
    const pending = await say(h, people.adele, 'guests since:400d pending');
    expect(pending.text).toContain('Guests: pending since:400d');
    expect(pending.text).toContain(`${recentPending.length} guests`);
    const expectedMails = new Set(recentPending.map((u) => u.mail));
    expect(listedEmails(pending.card).every((e) => expectedMails.has(e))).toBe(true);
    expect(decodeURIComponent(graph.userListings()[0])).toContain("userType eq 'Guest' and externalUserState eq 'PendingAcceptance' and createdDateTime ge ");

    const disabled = guests.filter((u) => !u.accountEnabled);
    const reply = await say(h, people.adele, 'guests disabled');
    expect(reply.text).toContain(`${disabled.length} guests`);
    expect(disabled.length).toBeLessThanOrEqual(25);
    expect(listedEmails(reply.card).sort()).toEqual(disabled.map((u) => u.mail).sort());
    expect(reply.text).toContain('sign-in disabled');
    expect(reply.text).not.toContain('sign-in enabled');
  });

  it('explains an unknown filter instead of listing', async () => {
    const h = await start({ guests: 0 });
    const reply = await say(h, people.adele, 'guests domain:not_a_domain');
    expect(reply.text).toContain('I do not know the filter "domain:not\\_a\\_domain"');
    expect(graph.userListings()).toEqual([]);
  });

  it('lists stale guests from sign-in activity, 500 at a time, filtering here what Graph cannot combine', async () => {
    const h = await start();
    const reply = await say(h, people.adele, 'guests stale:90d');
    expect(reply.text).toContain('Guests: stale:90d');
    expect(reply.text).toMatch(/Stale guests among the [\d,]+ of 2,504 guests checked so far · showing 1–25/);
    const listing = decodeURIComponent(graph.userListings()[0]);
    expect(listing).toContain('signInActivity');
    expect(listing).toContain('$top=500');
    expect(listing).toContain("$filter=userType eq 'Guest'&");

    const cutoff = Date.now() - 90 * 24 * 3600_000;
    const stale = new Set(
      h.simulator.directory.users
        .filter((u) => u.userType === 'Guest')
        .filter((u) => {
          const last = u.signInActivity?.lastSuccessfulSignInDateTime;
          return last !== undefined && last !== null && Date.parse(last) < cutoff;
        })
        .map((u) => u.mail),
    );
    const shown = listedEmails(reply.card);
    expect(shown).toHaveLength(25);
    expect(shown.every((e) => stale.has(e))).toBe(true);
    expect(reply.text).toMatch(/last sign-in \d{4}-\d{2}-\d{2}/);
    expect(reply.text).toContain('Last sign-in means the last successful sign-in, interactive or not.');
    expect(reply.text).toMatch(
      /[\d,]+ guests checked have no recorded sign-in \(never signed in, or not since Microsoft Entra began recording in April 2020\): not listed/,
    );
  });

  it('calls a guest stale by their last successful sign-in, not a recent failed attempt, and leaves out guests with none recorded', async () => {
    const h = await start({ guests: 0, clock: { now: () => new Date('2026-11-26T12:00:00Z') } });
    const reply = await say(h, people.adele, 'guests stale:90d');
    // Dana tried to sign in on 2026-11-20 and failed; her last success was in February 2025.
    expect(listedEmails(reply.card)).toEqual(['dana.whitfield@contoso.com']);
    expect(reply.text).toContain('last sign-in 2025-02-14');
    // Ravi (never redeemed) and Liam have no recorded sign-in: counted, not listed.
    expect(reply.text).toContain('2 guests checked have no recorded sign-in');
  });

  it('says so when the tenant has no P1 licence, and lists invitations not redeemed for N days instead', async () => {
    const h = await start({ premium: false });
    const reply = await say(h, people.adele, 'guests stale:90d');
    expect(reply.text).toContain('Sign-in activity is not available: reading it needs a Microsoft Entra ID P1 or P2 licence');
    expect(reply.text).toContain('Listed instead: guests who have not redeemed their invitation for 90 days.');
    expect(graph.userListings().map((l) => l.slice(l.lastIndexOf(' -> ')))).toEqual([' -> 403', ' -> 200']);
    const cutoff = Date.now() - 90 * 24 * 3600_000;
    const expected = h.simulator.directory.users.filter(
      (u) => u.userType === 'Guest' && u.externalUserState === 'PendingAcceptance' && Date.parse(u.externalUserStateChangeDateTime ?? '') <= cutoff,
    );
    expect(reply.text).toContain(`${expected.length.toLocaleString('en-US')} guests`);
    const byMail = new Map(expected.map((u) => [u.mail, u]));
    expect(listedEmails(reply.card).every((e) => byMail.has(e))).toBe(true);
  });

  describe('cursor ids', () => {
    it("refuses an altered id, an unknown one and someone else's, and audits each", async () => {
      const h = await start({ guests: 100 });
      const first = await say(h, people.adele, 'guests');
      const data = buttonData(first.card, VERBS.guestsPage, 'Next');
      const cursorId = data && 'cursorId' in data ? data.cursorId : '';
      expect(cursorId).toMatch(/^[A-Za-z0-9_-]{24}$/);

      const altered = await click(h, people.adele, `${cursorId.slice(0, -1)}!`);
      expect(invokeError(altered.result)).toMatchObject({ statusCode: 400, message: expect.stringContaining('was altered') });
      const unknown = await click(h, people.adele, 'A'.repeat(24));
      expect(invokeError(unknown.result)).toMatchObject({ statusCode: 400, message: expect.stringContaining('do not know this page') });
      const wrongType = await click(h, people.adele, { nextLink: 'https://graph.microsoft.com/v1.0/users' });
      expect(invokeError(wrongType.result).statusCode).toBe(400);
      const otherAdmin = await click(h, people.lynne, cursorId);
      expect(invokeError(otherAdmin.result)).toMatchObject({ statusCode: 403, message: expect.stringContaining('made for another admin') });
      const notAdmin = await click(h, people.alex, cursorId);
      expect(invokeError(notAdmin.result)).toMatchObject({ statusCode: 403, message: expect.stringContaining('Only members of the guest access admin group') });

      const refusals = disk.audit().filter((r) => r.action === 'guest_list_cursor_refused' || r.action === 'admin_command_refused');
      expect(refusals).toEqual([
        { request_id: null, actor: people.adele.aadObjectId, action: 'guest_list_cursor_refused', source: altered.activity.id, detail: { why: 'malformed' } },
        { request_id: null, actor: people.adele.aadObjectId, action: 'guest_list_cursor_refused', source: unknown.activity.id, detail: { why: 'unknown' } },
        {
          request_id: null,
          actor: people.lynne.aadObjectId,
          action: 'guest_list_cursor_refused',
          source: otherAdmin.activity.id,
          detail: { why: 'otherOwner' },
        },
        {
          request_id: null,
          actor: people.alex.aadObjectId,
          action: 'admin_command_refused',
          source: notAdmin.activity.id,
          detail: { command: 'guests.page', why: 'not_admin' },
        },
      ]);
      // The owner's button still works.
      expect(cardText(invokeCard((await click(h, people.adele, cursorId)).result))).toContain('showing 26–50');
    });

    it('refuses an expired id after 15 minutes', async () => {
      let now = Date.now();
      const clock: Clock = { now: () => new Date(now) };
      const h = await start({ guests: 100, clock });
      const first = await say(h, people.adele, 'guests');
      expect(first.text).toMatch(/Buttons work until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      const data = buttonData(first.card, VERBS.guestsPage, 'Next');
      const cursorId = data && 'cursorId' in data ? data.cursorId : '';
      now += 14 * 60_000;
      expect(cardText(invokeCard((await click(h, people.adele, cursorId)).result))).toContain('showing 26–50');
      now += 2 * 60_000;
      const expired = await click(h, people.adele, cursorId);
      expect(invokeError(expired.result)).toMatchObject({ statusCode: 400, message: expect.stringContaining('This list has expired') });
      expect(disk.audit().some((r) => r.action === 'guest_list_cursor_refused' && r.detail?.why === 'expired')).toBe(true);
    });
  });

  describe('who may list', () => {
    it('tells someone who is not an admin that they are not allowed, and audits the attempt', async () => {
      const h = await start({ guests: 0 });
      const message = h.activities.message(people.isaiah, 'guests pending');
      expect((await h.post(message)).status).toBe(200);
      const reply = await say(h, people.isaiah, 'guests');
      expect(reply.text).toContain('Not allowed');
      expect(reply.text).toContain('Only members of the guest access admin group can manage guests');
      expect(graph.userListings()).toEqual([]);
      expect(disk.audit().filter((r) => r.actor === people.isaiah.aadObjectId)).toEqual([
        {
          request_id: null,
          actor: people.isaiah.aadObjectId,
          action: 'admin_command_refused',
          source: message.id,
          detail: { command: 'guests', why: 'not_admin' },
        },
        expect.objectContaining({ action: 'admin_command_refused' }),
      ]);
    });

    it('works in a channel where the bot is @mentioned, for admins only', async () => {
      const h = await start({ guests: 30 });
      const channelCards = () =>
        h.connector.recorded
          .filter((r) => r.conversationId.startsWith(CHANNEL))
          .flatMap((r) => h.connector.cards([r]))
          .map((content) => {
            parseCardStrict(content);
            return content as AdaptiveCard;
          });
      expect((await h.post(h.activities.channelMessage(people.lynne, 'guests pending', CHANNEL))).status).toBe(200);
      const listing = channelCards().at(-1)!;
      expect(cardText(listing)).toContain('Guests: pending');
      expect(listedEmails(listing).length).toBeGreaterThan(0);
      const next = buttonData(listing, VERBS.guestsPage, 'Next');
      if (next) expect(cardText(invokeCard((await click(h, people.lynne, 'cursorId' in next ? next.cursorId : '')).result))).toContain('Guests: pending');

      expect((await h.post(h.activities.channelMessage(people.alex, 'guests', CHANNEL))).status).toBe(200);
      expect(cardText(channelCards().at(-1)!)).toContain('Not allowed');
      expect(disk.audit().some((r) => r.actor === people.alex.aadObjectId && r.action === 'admin_command_refused')).toBe(true);
    });
  });
});
