import { asCollection, asError, useSimulator } from './helpers';

const REDIRECT = 'https://myapps.microsoft.com';

describe('injected faults', () => {
  const t = useSimulator();
  afterEach(() => t.sim.clearFaults());

  it('answers 429 TooManyRequests with Retry-After and the throttling innerError, then recovers', async () => {
    t.sim.injectFault({ status: 429, retryAfter: 2, path: '/users' });
    const throttled = await t.graph('/users?$top=1', { headers: { 'client-request-id': 'c-1' } });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(asError(throttled)).toMatchObject({
      code: 'TooManyRequests',
      message: 'Please retry again later.',
      innerError: { code: '429', status: '429', message: 'Please retry after', 'client-request-id': 'c-1' },
    });
    expect(asError(throttled).innerError.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    const retried = await t.graph('/users?$top=1');
    expect(asCollection(retried).value).toHaveLength(1);
  });

  it('fails only matching requests, as many times as asked', async () => {
    t.sim.injectFault({ status: 503, method: 'POST', path: '/invitations', times: 2, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' });
    expect((await t.graph('/groups?$top=1')).status).toBe(200);
    const invite = () => t.graph('/invitations', { json: { invitedUserEmailAddress: 'throttle@partner.com', inviteRedirectUrl: REDIRECT } });
    const first = await invite();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
    expect((await invite()).status).toBe(503);
    expect(t.sim.directory.findUsersByEmail('throttle@partner.com')).toHaveLength(0);
    expect((await invite()).status).toBe(201);
  });

  it('can fail after the write, so a blind retry invites twice', async () => {
    t.sim.injectFault({ status: 504, path: '/invitations', afterHandling: true });
    const body = { invitedUserEmailAddress: 'timeout@partner.com', inviteRedirectUrl: REDIRECT, sendInvitationMessage: true };
    const first = await t.graph('/invitations', { json: body });
    expect(first.status).toBe(504);
    expect(t.sim.directory.findUsersByEmail('timeout@partner.com')).toHaveLength(1);
    const retry = await t.graph('/invitations', { json: body });
    expect(retry.status).toBe(201);
    expect(t.sim.directory.invitations.filter((i) => i.email === 'timeout@partner.com' && i.sendInvitationMessage)).toHaveLength(2);
  });
});
