import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { LocalIssuer, localIssuerName } from '../../../services/identity/localIssuer';
import { SsoTokenValidator } from '../../../services/identity/ssoToken';
import { entraEndpoints, LOCAL_TAB_AUDIENCE, tabIdentityFor } from '../../../services/identity/tabIdentity';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';
const ALEX = { aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'Alex Wilber', userPrincipalName: 'alexw@example.com' };
const NOW = new Date('2026-11-20T10:00:00Z');
const clock = { now: () => NOW };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuer = new LocalIssuer({ privateKey, tenantId: TENANT, audience: LOCAL_TAB_AUDIENCE, clock });
const validator = new SsoTokenValidator({ issuer: issuer.issuer, audience: LOCAL_TAB_AUDIENCE, tenantId: TENANT, keys: issuer.keys(), clock });
const kid = issuer.jwks().keys[0].kid!;
const seconds = Math.floor(NOW.getTime() / 1000);

/** A token like the issuer's, with `changes` applied to its claims, signed with `key` (the issuer's by default). */
function token(changes: JWTPayload = {}, key = privateKey): Promise<string> {
  return new SignJWT({
    iss: localIssuerName(TENANT),
    aud: LOCAL_TAB_AUDIENCE,
    tid: TENANT,
    oid: ALEX.aadObjectId,
    name: ALEX.name,
    scp: 'access_as_user',
    ver: '2.0',
    iat: seconds,
    nbf: seconds,
    exp: seconds + 3600,
    ...changes,
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(key);
}

function unsigned(header: object, payload: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

describe('the Teams SSO token check', () => {
  it('accepts a token the issuer signed and names the person by its oid', async () => {
    const result = await validator.check(`Bearer ${await issuer.issue(ALEX)}`);
    expect(result).toEqual({ ok: true, user: { aadObjectId: ALEX.aadObjectId, name: 'Alex Wilber', tenantId: TENANT } });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic YWxleDpzZWNyZXQ='],
    ['a bare token without Bearer', 'eyJhbGciOiJSUzI1NiJ9.e30.sig'],
  ])('refuses %s as missing', async (_what, header) => {
    expect(await validator.check(header)).toMatchObject({ ok: false, why: 'missing' });
  });

  it('refuses an expired token, even one signed by the issuer', async () => {
    const expired = await token({ iat: seconds - 7200, nbf: seconds - 7200, exp: seconds - 3600 });
    expect(await validator.check(`Bearer ${expired}`)).toMatchObject({ ok: false, why: 'expired', reason: expect.stringContaining('expired') });
  });

  it('refuses a token issued for another app', async () => {
    const other = await token({ aud: '00000003-0000-0000-c000-000000000000' });
    expect(await validator.check(`Bearer ${other}`)).toMatchObject({ ok: false, why: 'audience' });
  });

  it('refuses a token of another tenant, signed by the same issuer', async () => {
    const foreign = await token({ tid: OTHER_TENANT, iss: localIssuerName(OTHER_TENANT) });
    expect(await validator.check(`Bearer ${foreign}`)).toMatchObject({ ok: false, why: 'tenant' });
  });

  it("refuses a token signed with another key under the issuer's key id", async () => {
    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await validator.check(`Bearer ${await token({}, forger.privateKey)}`)).toMatchObject({ ok: false, why: 'signature' });
  });

  it('refuses a token whose signature was cut off or altered', async () => {
    const good = await issuer.issue(ALEX);
    const [header, payload] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${header}.${Buffer.from(JSON.stringify({ ...claims, oid: 'bbbbbbbb-0000-0000-0000-000000000002' })).toString('base64url')}.${good.split('.')[2]}`;
    expect(await validator.check(`Bearer ${altered}`)).toMatchObject({ ok: false, why: 'signature' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    const claims = { iss: localIssuerName(TENANT), aud: LOCAL_TAB_AUDIENCE, tid: TENANT, oid: ALEX.aadObjectId, scp: 'access_as_user', exp: seconds + 3600 };
    expect(await validator.check(`Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, claims)}`)).toMatchObject({ ok: false, why: 'algorithm' });
    expect(await validator.check(`Bearer ${unsigned({ alg: 'none', kid }, claims)}`)).toMatchObject({ ok: false, why: 'algorithm' });
  });

  it("refuses an HS256 token keyed with the issuer's public key", async () => {
    const header = { alg: 'HS256', kid };
    const claims = { iss: localIssuerName(TENANT), aud: LOCAL_TAB_AUDIENCE, tid: TENANT, oid: ALEX.aadObjectId, scp: 'access_as_user', exp: seconds + 3600 };
    const signingInput = unsigned(header, claims).slice(0, -1);
    const secret = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
    const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
    expect(await validator.check(`Bearer ${signingInput}.${signature}`)).toMatchObject({ ok: false, why: 'algorithm' });
  });

  it('refuses a token without the access_as_user scope', async () => {
    expect(await validator.check(`Bearer ${await token({ scp: 'User.Read' })}`)).toMatchObject({ ok: false, why: 'scope' });
    expect(await validator.check(`Bearer ${await token({ scp: undefined })}`)).toMatchObject({ ok: false, why: 'scope' });
  });

  it('refuses a token from another issuer, and says when it is a version 1 token', async () => {
    expect(await validator.check(`Bearer ${await token({ iss: entraEndpoints(TENANT).issuer })}`)).toMatchObject({ ok: false, why: 'issuer' });
    const v1 = await token({ iss: `https://sts.windows.net/${TENANT}/`, ver: '1.0' });
    expect(await validator.check(`Bearer ${v1}`)).toMatchObject({ ok: false, why: 'issuer', reason: expect.stringContaining('version 2') });
  });

  it('refuses a token that names no user', async () => {
    expect(await validator.check(`Bearer ${await token({ oid: undefined })}`)).toMatchObject({ ok: false, why: 'claims' });
    expect(await validator.check(`Bearer ${await token({ oid: 'not-an-object-id' })}`)).toMatchObject({ ok: false, why: 'claims' });
  });

  it('refuses a token that is not yet valid', async () => {
    expect(await validator.check(`Bearer ${await token({ nbf: seconds + 3600, exp: seconds + 7200 })}`)).toMatchObject({ ok: false, why: 'notYetValid' });
  });

  it('says keys are unavailable, not that the token is bad, when the key set cannot be read', async () => {
    const unreachable = new SsoTokenValidator({
      issuer: issuer.issuer,
      audience: LOCAL_TAB_AUDIENCE,
      tenantId: TENANT,
      keys: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      clock,
    });
    expect(await unreachable.check(`Bearer ${await issuer.issue(ALEX)}`)).toMatchObject({ ok: false, why: 'keysUnavailable' });
  });

  it('refuses garbage without throwing', async () => {
    for (const header of ['Bearer x', 'Bearer a.b.c', `Bearer ${'A'.repeat(20_000)}`, 'Bearer ...']) {
      expect((await validator.check(header)).ok).toBe(false);
    }
  });
});

describe('the tab identity chosen at start', () => {
  it('trusts Entra for the configured tenant, with the app id as audience, when an app id is set', () => {
    expect(entraEndpoints(TENANT)).toEqual({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      keysUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    });
    const identity = tabIdentityFor({ microsoftAppId: '6f1c2f0e-3d7a-4c55-9a8e-2b4f7d9c1e0a', expectedTenantId: TENANT }, clock);
    expect(identity.localIssuer).toBeUndefined();
    expect(identity.description).toContain('6f1c2f0e-3d7a-4c55-9a8e-2b4f7d9c1e0a');
  });

  it('refuses a local issuer when an app id is set', () => {
    expect(() => tabIdentityFor({ microsoftAppId: '6f1c2f0e-3d7a-4c55-9a8e-2b4f7d9c1e0a', expectedTenantId: TENANT }, clock, issuer)).toThrow(/local mode/);
  });

  it('makes its own issuer in local mode and accepts its tokens only for the configured tenant', async () => {
    const local = tabIdentityFor({ microsoftAppId: '', expectedTenantId: TENANT }, clock);
    expect(local.localIssuer).toBeDefined();
    expect(await local.validator.check(`Bearer ${await local.localIssuer!.issue(ALEX)}`)).toMatchObject({ ok: true });
    // A token of the test's issuer: another key, so another signature.
    expect(await local.validator.check(`Bearer ${await issuer.issue(ALEX)}`)).toMatchObject({ ok: false, why: 'signature' });

    const foreignIssuer = new LocalIssuer({ privateKey, tenantId: OTHER_TENANT, audience: LOCAL_TAB_AUDIENCE, clock });
    const strict = tabIdentityFor({ microsoftAppId: '', expectedTenantId: TENANT }, clock, foreignIssuer);
    expect(await strict.validator.check(`Bearer ${await foreignIssuer.issue(ALEX)}`)).toMatchObject({ ok: false, why: 'tenant' });
  });
});
