import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DEMO_GROUP_IDS, DEMO_GUEST_IDS } from '../../../simulator/seed';
import { people } from '../../helpers/botHarness';
import { TabClient } from '../../helpers/tabClient';

const INVITE = {
  displayName: 'Jane New (Fabrikam)',
  email: 'jane.new@fabrikam.com',
  justification: 'Fabrikam engineers co-develop the Falcon release with us.',
};

function unsignedToken(header: object, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.`;
}

describe("the tab API's sign-in", () => {
  let tab: TabClient;

  beforeEach(async () => {
    tab = await TabClient.start();
  });

  afterEach(async () => {
    await tab.stop();
  });

  async function pendingRequest(): Promise<string> {
    const filed = await tab.post(people.alex, '/forms/invite', { values: INVITE });
    expect(filed.body).toMatchObject({ filed: true });
    return (filed.body.request as { id: string }).id;
  }

  /** Each bad token, as the header that carries it. */
  async function badTokens(): Promise<Array<[string, string | undefined]>> {
    const now = Math.floor(Date.now() / 1000);
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return [
      ['a missing token', undefined],
      ['an expired token', `Bearer ${await tab.forgedToken(people.megan, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })}`],
      ['a token for another app', `Bearer ${await tab.forgedToken(people.megan, { aud: 'b7db5929-4a3c-44b0-b6c1-a92919b265c7' })}`],
      ['a token of another tenant', `Bearer ${await tab.forgedToken(people.megan, { tid: '72f988bf-86f1-41af-91ab-2d7cd011db47' })}`],
      ['a token signed with another key', `Bearer ${await tab.forgedToken(people.megan, {}, forger)}`],
      [
        'an unsigned token (alg none)',
        `Bearer ${unsignedToken({ alg: 'none', typ: 'JWT' }, { oid: people.megan.aadObjectId, tid: 'x', scp: 'access_as_user', exp: now + 3600 })}`,
      ],
    ];
  }

  it('answers 401 with a short reason to every bad token, and changes nothing', async () => {
    const requestId = await pendingRequest();
    for (const [what, authorization] of await badTokens()) {
      const read = await tab.get({ authorization }, '/requests/mine');
      expect({ what, status: read.status }).toEqual({ what, status: 401 });
      expect(typeof read.body.error).toBe('string');
      expect((read.body.error as string).length).toBeLessThan(120);
      expect(read.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

      const approve = await tab.call({ authorization }, 'POST', '/decisions', { requestIds: [requestId], outcome: 'approve' });
      expect({ what, status: approve.status }).toEqual({ what, status: 401 });
    }
    expect((await tab.harness.app.store.getRequest(requestId))?.state).toBe('pending');
    const audit = await tab.harness.app.store.listAudit(requestId);
    expect(audit.map((e) => e.action)).not.toContain('request_approved');
  });

  it('names what was wrong with the token', async () => {
    const reasons = new Map<string, string>();
    for (const [what, authorization] of await badTokens()) reasons.set(what, (await tab.get({ authorization }, '/me')).body.error as string);
    expect(reasons.get('a missing token')).toMatch(/missing/);
    expect(reasons.get('an expired token')).toMatch(/expired/);
    expect(reasons.get('a token for another app')).toMatch(/another app/);
    expect(reasons.get('a token of another tenant')).toMatch(/another organisation/);
    expect(reasons.get('a token signed with another key')).toMatch(/signature/);
    expect(reasons.get('an unsigned token (alg none)')).toMatch(/algorithm/);
  });

  it('uses no cookies: a cookie without a token is refused, and no answer sets one', async () => {
    const withCookie = await tab.call({}, 'GET', '/requests/mine', undefined, { Cookie: 'auth=alex' });
    expect(withCookie.status).toBe(401);
    const good = await tab.get(people.alex, '/requests/mine');
    expect(good.status).toBe(200);
    expect(good.headers.get('set-cookie')).toBeNull();
    expect(good.headers.get('cache-control')).toBe('no-store');
  });

  it('takes the person from the token, whatever the body says', async () => {
    const filed = await tab.post(people.alex, '/forms/invite', { values: INVITE, requester: people.megan, aadObjectId: people.megan.aadObjectId });
    // Unknown fields are dropped by the schema; the request is Alex's.
    const requestId = (filed.body.request as { id: string }).id;
    expect((await tab.harness.app.store.getRequest(requestId))?.requester).toEqual({ aadObjectId: people.alex.aadObjectId, name: 'Alex Wilber' });
  });

  it('answers 403 to someone who is not an admin on every admin endpoint, and changes nothing', async () => {
    const guestId = DEMO_GUEST_IDS.raviKumarFabrikam;
    // A write an admin queued (and that has not run yet): its id gets someone else nothing either.
    const adelesWrite = (await tab.post(people.adele, `/guests/${DEMO_GUEST_IDS.janeDoeFabrikam}/resend`, { confirm: true })).body.jobId as string;
    const calls: Array<[string, 'GET' | 'POST', string, unknown?]> = [
      ['totals', 'GET', '/guests/totals'],
      ['list', 'GET', '/guests?filter=domain:fabrikam.com'],
      ['page', 'GET', '/guests/pages/AAAAAAAAAAAAAAAAAAAAAAAA'],
      ['one guest', 'GET', '/guests/one?email=ravi.kumar@fabrikam.com'],
      ['revoke plan', 'GET', '/guests/revoke-plan?email=ravi.kumar@fabrikam.com'],
      ['dry run', 'POST', `/guests/${guestId}/dry-run`, { operation: 'disable' }],
      ['disable', 'POST', `/guests/${guestId}/revoke`, { operation: 'disable', confirm: true }],
      ['delete', 'POST', `/guests/${guestId}/revoke`, { operation: 'delete', confirm: true }],
      ['resend', 'POST', `/guests/${guestId}/resend`, { confirm: true }],
      ["a write's result", 'GET', `/guests/writes/${adelesWrite}`],
      ['pending overview', 'GET', '/pending'],
    ];
    const invitationsBefore = tab.harness.simulator.directory.invitations.length;
    for (const person of [people.alex, people.megan]) {
      for (const [what, method, path, body] of calls) {
        const answer = await tab.call(person, method, path, body);
        expect({ who: person.name, what, status: answer.status }).toEqual({ who: person.name, what, status: 403 });
        expect(answer.body.error).toMatch(/admin/);
      }
    }
    await tab.harness.settle();
    const ravi = tab.harness.simulator.directory.users.find((u) => u.id === guestId);
    expect(ravi?.accountEnabled).not.toBe(false);
    // Adele's own resend is the one invitation sent.
    expect(tab.harness.simulator.directory.invitations.length).toBe(invitationsBefore + 1);
  });

  it('checks the admin group again when a queued write runs: an admin removed meanwhile changes nothing, and sees the write no more', async () => {
    await tab.stop();
    tab = await TabClient.start({ ROLE_CACHE_SECONDS: '0' });
    const ravi = DEMO_GUEST_IDS.raviKumarFabrikam;
    const queued = await tab.post(people.adele, `/guests/${ravi}/revoke`, { operation: 'disable', confirm: true });
    expect(queued.status).toBe(202);
    const jobId = queued.body.jobId as string;

    tab.harness.simulator.directory.removeMember(DEMO_GROUP_IDS.admins, people.adele.aadObjectId);
    await tab.harness.settle();

    expect(tab.harness.simulator.directory.users.find((u) => u.id === ravi)?.accountEnabled).not.toBe(false);
    expect(await tab.harness.app.store.getGuestJob(jobId)).toMatchObject({ state: 'done', result: { kind: 'refused', outcome: { kind: 'forbidden' } } });
    const read = await tab.get(people.adele, `/guests/writes/${jobId}`);
    expect(read.status).toBe(403);
    expect(read.body.error).toMatch(/admin/);
  });

  it('refuses bodies that are not small uncompressed JSON, as /api/messages does', async () => {
    const requestId = await pendingRequest();
    const token = `Bearer ${await tab.tokenFor(people.megan)}`;
    const send = (body: string | Buffer, headers: Record<string, string>) =>
      fetch(`${tab.harness.url}/tab/api/decisions`, { method: 'POST', headers: { Authorization: token, ...headers }, body });
    expect((await send('requestIds=1', { 'Content-Type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const json = JSON.stringify({ requestIds: [requestId], outcome: 'approve' });
    expect((await send(gzipSync(json), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })).status).toBe(415);
    expect(
      (await send(JSON.stringify({ requestIds: [requestId], outcome: 'approve', reason: 'x'.repeat(70 * 1024) }), { 'Content-Type': 'application/json' }))
        .status,
    ).toBe(413);
    const invalid = await send(JSON.stringify({ requestIds: requestId, outcome: 'approve' }), { 'Content-Type': 'application/json' });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toContain('requestIds');
    expect((await send('{"requestIds": [', { 'Content-Type': 'application/json' })).status).toBe(400);
    expect((await tab.harness.app.store.getRequest(requestId))?.state).toBe('pending');
  });
});
