/**
 * The tab's API as the tab calls it: a bot started in local mode with a local issuer whose signing
 * key the test holds, so that it can make good tokens for the demo tenant's people and bad ones
 * (expired, for another app or tenant, signed with another key) at will.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { LocalIssuer, localIssuerName } from '../../services/identity/localIssuer';
import { LOCAL_TAB_AUDIENCE } from '../../services/identity/tabIdentity';
import { demoWellKnownIds } from '../../simulator/seed';
import { BotHarness } from './botHarness';
import type { TeamsUser } from './teamsActivities';

export interface TabAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Generated once per test file: 2048-bit keys take a moment. */
const signingKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

export class TabClient {
  private constructor(
    readonly harness: BotHarness,
    private readonly issuer: LocalIssuer,
  ) {}

  static async start(env: Record<string, string> = {}, options: Parameters<typeof BotHarness.start>[1] = {}): Promise<TabClient> {
    const tenantId = demoWellKnownIds().tenantId;
    // Tokens are issued on the clock the server checks them with, so a test may move time.
    const issuer = new LocalIssuer({ privateKey: signingKey, tenantId, audience: LOCAL_TAB_AUDIENCE, clock: options.clock ?? { now: () => new Date() } });
    const harness = await BotHarness.start(env, { ...options, tab: { localIssuer: issuer, ...options.tab } });
    return new TabClient(harness, issuer);
  }

  /** A token as Teams would hand the tab for this person. */
  tokenFor(user: TeamsUser): Promise<string> {
    return this.issuer.issue({ aadObjectId: user.aadObjectId, name: user.name, userPrincipalName: `${user.aadObjectId}@example.com` });
  }

  /** A token like a good one for `user`, with `changes` to its claims and signed with `key`. */
  forgedToken(user: TeamsUser, changes: JWTPayload, key: KeyObject = signingKey, header: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const tenantId = demoWellKnownIds().tenantId;
    const kid = this.issuer.jwks().keys[0].kid!;
    return new SignJWT({
      iss: localIssuerName(tenantId),
      aud: LOCAL_TAB_AUDIENCE,
      tid: tenantId,
      oid: user.aadObjectId,
      name: user.name,
      scp: 'access_as_user',
      ver: '2.0',
      iat: now,
      nbf: now,
      exp: now + 3600,
      ...changes,
    })
      .setProtectedHeader({ alg: 'RS256', kid, ...header })
      .sign(key);
  }

  /** Calls the API as `user` (a person, or a raw Authorization header value, or none). */
  async call<T = Record<string, unknown>>(
    as: TeamsUser | { authorization?: string },
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TabAnswer<T>> {
    const authorization = 'aadObjectId' in as ? `Bearer ${await this.tokenFor(as)}` : as.authorization;
    const response = await fetch(`${this.harness.url}/tab/api${path}`, {
      method,
      headers: {
        ...(authorization !== undefined ? { Authorization: authorization } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
  }

  get(as: TeamsUser | { authorization?: string }, path: string) {
    return this.call(as, 'GET', path);
  }

  post(as: TeamsUser | { authorization?: string }, path: string, body: unknown = {}) {
    return this.call(as, 'POST', path, body);
  }

  stop(): Promise<void> {
    return this.harness.stop();
  }
}
