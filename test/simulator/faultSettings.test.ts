import { faultSettingsFromEnv, parseFaultSettings } from '../../simulator/faults';
import { asError, call, useSimulator } from './helpers';

const REDIRECT = 'https://myapps.microsoft.com';

function inviteBody(email: string) {
  return { json: { invitedUserEmailAddress: email, inviteRedirectUrl: REDIRECT } };
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

describe('standing faults', () => {
  const t = useSimulator();
  const admin = (options?: Parameters<typeof call>[1]) => call(`${t.sim.url}/_simulator/faults`, options);
  afterEach(() => t.sim.clearFaults());

  describe('latency', () => {
    it('delays only the matching method and path', async () => {
      t.sim.setFaults({ latency: [{ ms: 300, method: 'GET', path: '/users' }] });
      const slow = await timed(() => t.graph('/users?$top=1'));
      expect(slow.value.status).toBe(200);
      expect(slow.ms).toBeGreaterThanOrEqual(280);
      const fast = await timed(() => t.graph('/groups?$top=1'));
      expect(fast.ms).toBeLessThan(200);
    });

    it('after handling, carries out the write first and answers late', async () => {
      t.sim.setFaults({ latency: [{ ms: 400, method: 'POST', path: '/invitations', afterHandling: true }] });
      const answer = timed(() => t.graph('/invitations', inviteBody('late.answer@partner.com')));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(t.sim.directory.findUsersByEmail('late.answer@partner.com')).toHaveLength(1);
      const { ms, value } = await answer;
      expect(value.status).toBe(201);
      expect(ms).toBeGreaterThanOrEqual(380);
    });
  });

  describe('random failures', () => {
    it('answers 429 with the configured Retry-After and the throttling body', async () => {
      t.sim.setFaults({ failures: { probability: 1, kinds: [429], retryAfter: 2 } });
      const throttled = await t.graph('/users?$top=1');
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(asError(throttled)).toMatchObject({ code: 'TooManyRequests', message: 'Please retry again later.' });
      t.sim.setFaults({ failures: { probability: 1, kinds: [503], retryAfter: 0 } });
      const unavailable = await t.graph('/users?$top=1');
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('0');
    });

    it('fails about the configured share of requests, the same ones for the same seed', async () => {
      const statuses = async (seed: number): Promise<number[]> => {
        t.sim.setFaults({ failures: { probability: 0.3, seed, kinds: [503], path: '/groups' } });
        const result: number[] = [];
        for (let i = 0; i < 200; i += 1) result.push((await t.graph('/groups?$top=1')).status);
        return result;
      };
      const first = await statuses(42);
      const failed = first.filter((s) => s === 503).length;
      expect(failed).toBeGreaterThanOrEqual(40);
      expect(failed).toBeLessThanOrEqual(80);
      expect(first.filter((s) => s !== 503).every((s) => s === 200)).toBe(true);
      expect(await statuses(42)).toEqual(first);
      expect(await statuses(43)).not.toEqual(first);
    });

    it('drops the connection without an answer, and keeps serving afterwards', async () => {
      t.sim.setFaults({ failures: { probability: 1, kinds: ['drop'] } });
      await expect(t.graph('/users?$top=1')).rejects.toThrow();
      t.sim.clearFaults();
      expect((await t.graph('/users?$top=1')).status).toBe(200);
    });

    it('can carry a write out before failing it, so only a lookup tells that it happened', async () => {
      t.sim.setFaults({ failures: { probability: 1, kinds: ['drop'], afterHandlingShare: 1, method: 'POST', path: '/invitations' } });
      await expect(t.graph('/invitations', inviteBody('lost.answer@partner.com'))).rejects.toThrow();
      expect(t.sim.directory.findUsersByEmail('lost.answer@partner.com')).toHaveLength(1);
      // Reads are never carried out "before failing": they simply fail.
      t.sim.setFaults({ failures: { probability: 1, kinds: [503], afterHandlingShare: 1 } });
      expect((await t.graph('/users?$top=1')).status).toBe(503);
    });
  });

  describe('write quota', () => {
    it('throttles writes over the quota with Retry-After until a token frees; reads pass', async () => {
      t.sim.setFaults({ writeQuota: { writes: 3, windowMs: 3000 } });
      for (let i = 0; i < 3; i += 1) {
        expect((await t.graph('/invitations', inviteBody(`quota-${i}@partner.com`))).status).toBe(201);
      }
      const over = await t.graph('/invitations', inviteBody('quota-3@partner.com'));
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('1');
      expect(t.sim.directory.findUsersByEmail('quota-3@partner.com')).toHaveLength(0);

      expect((await t.graph('/users?$top=1')).status).toBe(200);
      const userId = t.sim.directory.findUsersByEmail('quota-0@partner.com')[0].id;
      expect((await t.graph(`/users/${userId}/checkMemberGroups`, { json: { groupIds: [] } })).status).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await t.graph('/invitations', inviteBody('quota-3@partner.com'))).status).toBe(201);
    });
  });

  describe('admin endpoint', () => {
    it('sets, reads and clears the standing faults over HTTP, outside /v1.0', async () => {
      const settings = { failures: { probability: 1, kinds: [504], retryAfter: 3, path: '/groups' } };
      const set = await admin({ json: settings });
      expect(set.status).toBe(200);
      expect(set.body).toEqual(settings);
      expect((await admin()).body).toEqual(settings);
      expect(t.sim.faultSettings()).toEqual(settings);
      const failed = await t.graph('/groups?$top=1');
      expect(failed.status).toBe(504);
      expect(failed.headers.get('retry-after')).toBe('3');

      t.sim.injectFault({ status: 503, path: '/users' });
      expect((await admin({ method: 'DELETE' })).status).toBe(204);
      expect((await admin()).body).toEqual({});
      expect((await t.graph('/groups?$top=1')).status).toBe(200);
      expect((await t.graph('/users?$top=1')).status).toBe(200);
    });

    it('refuses malformed or invalid settings with 400 naming the problem, and changes nothing', async () => {
      t.sim.setFaults({ latency: [{ ms: 1 }] });
      const malformed = await admin({ rawBody: '{"failures": ', headers: { 'Content-Type': 'application/json' } });
      expect(malformed.status).toBe(400);
      const invalid = await admin({ json: { failures: { probability: 1.5 }, unknown: true } });
      expect(invalid.status).toBe(400);
      expect(asError(invalid).message).toMatch(/failures\.probability/);
      expect(asError(invalid).message).toMatch(/unknown/i);
      expect(t.sim.faultSettings()).toEqual({ latency: [{ ms: 1 }] });
      expect((await call(`${t.sim.url}/_simulator/nothing`)).status).toBe(404);
      expect((await admin({ method: 'PATCH', json: {} })).status).toBe(405);
    });
  });
});

describe('standing faults from the environment and options', () => {
  const t = useSimulator(() => ({ faults: { failures: { probability: 1, kinds: [503], path: '/groups' } } }));

  it('applies settings given when the simulator starts', async () => {
    expect((await t.graph('/groups?$top=1')).status).toBe(503);
    expect((await t.graph('/users?$top=1')).status).toBe(200);
  });

  it('reads SIMULATOR_FAULTS as JSON and explains what is wrong with it', () => {
    expect(faultSettingsFromEnv({})).toBeUndefined();
    expect(faultSettingsFromEnv({ SIMULATOR_FAULTS: ' ' })).toBeUndefined();
    expect(faultSettingsFromEnv({ SIMULATOR_FAULTS: '{"writeQuota":{"writes":10,"windowMs":10000}}' })).toEqual({
      writeQuota: { writes: 10, windowMs: 10000 },
    });
    expect(() => faultSettingsFromEnv({ SIMULATOR_FAULTS: 'probability=0.3' })).toThrow(/SIMULATOR_FAULTS is not JSON/);
    expect(() => parseFaultSettings({ latency: [{ ms: -1 }], failures: { probability: 0.5, kinds: [418] } })).toThrow(/latency\.0\.ms.*failures\.kinds\.0/);
  });
});
