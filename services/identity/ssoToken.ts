/**
 * The Teams single sign-on token that every call of the tab's API carries. It is checked here in
 * full (RS256 signature against the issuer's keys, audience, tenant, issuer, expiry, the
 * `access_as_user` scope) and only then does its `oid` become the acting person. Nothing else the
 * browser sends says who someone is.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../platform/clock';
import { isDirectoryId } from '../platform/ids';

/** The delegated scope the app registration exposes for the tab; Teams asks for it when it gets the token. */
export const TAB_SCOPE = 'access_as_user';

/** The person a valid token names. */
export interface TabUser {
  aadObjectId: string;
  /** The `name` claim, for display (decisions name who made them). */
  name: string;
  tenantId: string;
}

/** Why a token was not accepted; logged, and turned into a short answer for the caller. */
export type TokenRefusal =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  | 'notYetValid'
  | 'audience'
  | 'tenant'
  | 'issuer'
  | 'scope'
  | 'claims'
  /** The issuer's keys could not be read: nobody's token can be checked right now. */
  | 'keysUnavailable';

export type TokenCheck = { ok: true; user: TabUser } | { ok: false; why: TokenRefusal; reason: string };

/** What the tab's API asks of whoever checks tokens; built once at start. */
export interface TokenValidator {
  /** Checks the `Authorization` header's bearer token. */
  check(authorization: string | undefined): Promise<TokenCheck>;
}

export interface SsoTokenSettings {
  /** The exact `iss` a token must carry. */
  issuer: string;
  /** The app's client id: Entra's v2 tokens carry it as `aud`. */
  audience: string;
  /** The only tenant whose users may use the tab. */
  tenantId: string;
  /** The issuer's signing keys (Entra's published set, or the local issuer's). */
  keys: JWTVerifyGetKey;
  clock: Clock;
}

/** Leeway for clocks that disagree a little, as Microsoft's own validation middleware allows. */
const CLOCK_TOLERANCE_SECONDS = 300;

/** Longer than any access token Entra issues; a longer header is not one. */
const MAX_TOKEN_LENGTH = 16 * 1024;

const REASONS: Readonly<Record<TokenRefusal, string>> = {
  missing: 'Sign-in token missing: open the tab in Teams.',
  malformed: 'The sign-in token is not a valid token.',
  algorithm: 'The sign-in token is not signed with an accepted algorithm.',
  signature: "The sign-in token's signature is not valid.",
  expired: 'The sign-in token has expired: reload the tab.',
  notYetValid: 'The sign-in token is not valid yet.',
  audience: 'The sign-in token was issued for another app.',
  tenant: 'The sign-in token belongs to another organisation.',
  issuer: 'The sign-in token comes from an issuer this app does not trust.',
  scope: `The sign-in token does not grant ${TAB_SCOPE}.`,
  claims: 'The sign-in token does not name a user.',
  keysUnavailable: 'Sign-in cannot be checked right now: try again in a moment.',
};

/** Validates Teams SSO tokens (Entra v2 access tokens, or the local issuer's of the same shape). */
export class SsoTokenValidator implements TokenValidator {
  constructor(private readonly settings: SsoTokenSettings) {}

  async check(authorization: string | undefined): Promise<TokenCheck> {
    const token = bearerToken(authorization);
    if (token === undefined) return refuse('missing');
    if (token.length > MAX_TOKEN_LENGTH) return refuse('malformed');
    const { settings } = this;
    let payload: JWTPayload;
    try {
      // RS256 only: Entra signs with it, and naming it here refuses `none` and HMAC tokens made with the public key.
      ({ payload } = await jwtVerify(token, settings.keys, {
        algorithms: ['RS256'],
        audience: settings.audience,
        currentDate: settings.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iss', 'tid', 'oid'],
      }));
    } catch (error) {
      return refuse(refusalOf(error));
    }
    const tenantId = typeof payload.tid === 'string' ? payload.tid : '';
    if (tenantId.toLowerCase() !== settings.tenantId.toLowerCase()) return refuse('tenant');
    if (payload.iss !== settings.issuer) {
      // A v1 token (issuer sts.windows.net) means the registration still issues version 1 tokens.
      return payload.ver === '1.0'
        ? { ok: false, why: 'issuer', reason: 'The sign-in token is a version 1 token: the app registration must issue version 2 tokens.' }
        : refuse('issuer');
    }
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes(TAB_SCOPE)) return refuse('scope');
    const oid = typeof payload.oid === 'string' ? payload.oid : '';
    if (!isDirectoryId(oid)) return refuse('claims');
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 256) : 'Someone';
    return { ok: true, user: { aadObjectId: oid, name, tenantId } };
  }
}

/** The token after `Bearer `, or undefined when the header holds none. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

function refuse(why: TokenRefusal): TokenCheck {
  return { ok: false, why, reason: REASONS[why] };
}

/** jose's error, as one of the refusals above. */
function refusalOf(error: unknown): TokenRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'notYetValid';
    return 'claims';
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'signature';
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'keysUnavailable';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  // Anything else comes from reading the key set (a refused connection, a DNS failure).
  return error instanceof errors.JOSEError ? 'malformed' : 'keysUnavailable';
}
