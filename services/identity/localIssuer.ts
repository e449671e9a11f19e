/**
 * Local mode's stand-in for Entra: a signing key made at start, its public key set, and tokens of
 * the same shape as Entra's v2 access tokens for the tab. Teams single sign-on needs a real tenant,
 * so without an app id the server signs its own tokens, and the tab's API checks them with the very
 * validator it uses in production, only against these keys.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock';
import { TAB_SCOPE } from './ssoToken';

/** Who a local token is for. */
export interface LocalPerson {
  aadObjectId: string;
  name: string;
  userPrincipalName: string;
}

export interface LocalIssuerSettings {
  /** Signs every token; a test passes its own to make tokens the issuer would not. Default: a new key. */
  privateKey?: KeyObject;
  tenantId: string;
  audience: string;
  clock: Clock;
}

/** An hour, as Entra's access tokens last about that long. */
const TOKEN_LIFETIME_SECONDS = 60 * 60;

/** The client id of Teams on the web, which Entra names as `azp` in the tokens Teams gets for a tab. */
const TEAMS_WEB_CLIENT_ID = '5e3ce6c0-2b1f-4285-8d4b-75ee78787346';

/** The issuer's name in its tokens: unlike Entra's it is no URL, so nobody mistakes one for the other. */
export function localIssuerName(tenantId: string): string {
  return `urn:guest-access-bot:local-issuer:${tenantId}`;
}

interface KeyMaterial {
  privateKey: KeyObject;
  publicJwk: JWK;
  keySet: JWTVerifyGetKey;
}

export class LocalIssuer {
  readonly issuer: string;
  /** Made on first use: a bot that never serves the tab spends nothing on a key. */
  private material: KeyMaterial | undefined;

  constructor(private readonly settings: LocalIssuerSettings) {
    this.issuer = localIssuerName(settings.tenantId);
  }

  get audience(): string {
    return this.settings.audience;
  }

  get tenantId(): string {
    return this.settings.tenantId;
  }

  /** The public key set, as Entra publishes its own at `/discovery/v2.0/keys`. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.keyMaterial().publicJwk }] };
  }

  /** What the validator checks signatures with. */
  keys(): JWTVerifyGetKey {
    return (header, token) => this.keyMaterial().keySet(header, token);
  }

  /** A token for the tab, as Teams would get one from Entra for this person. */
  issue(person: LocalPerson): Promise<string> {
    const { privateKey, publicJwk } = this.keyMaterial();
    const now = Math.floor(this.settings.clock.now().getTime() / 1000);
    return new SignJWT({
      tid: this.settings.tenantId,
      oid: person.aadObjectId,
      name: person.name,
      preferred_username: person.userPrincipalName,
      scp: TAB_SCOPE,
      azp: TEAMS_WEB_CLIENT_ID,
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: publicJwk.kid! })
      .setIssuer(this.issuer)
      .setAudience(this.settings.audience)
      .setSubject(person.aadObjectId)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(privateKey);
  }

  /** The signing key (a new 2048-bit RSA key unless one was given: nothing an earlier run signed stays valid). */
  private keyMaterial(): KeyMaterial {
    if (this.material) return this.material;
    const privateKey = this.settings.privateKey ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const publicKey = createPublicKey(privateKey);
    const kid = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url')
      .slice(0, 16);
    const publicJwk: JWK = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
    this.material = { privateKey, publicJwk, keySet: createLocalJWKSet({ keys: [publicJwk] }) };
    return this.material;
  }
}
