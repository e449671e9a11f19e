/**
 * Whose tokens the tab's API trusts, decided once at start: with an app id, Entra's for the
 * configured tenant (its published keys, fetched and cached); without one (local mode), the local
 * issuer's. Both go through the same SsoTokenValidator.
 */
import { createRemoteJWKSet } from 'jose';
import type { Clock } from '../platform/clock';
import { LocalIssuer } from './localIssuer';
import { SsoTokenValidator, type TokenValidator } from './ssoToken';

/** Entra's sign-in host for the global cloud. */
export const ENTRA_AUTHORITY = 'https://login.microsoftonline.com';

/** The audience of local tokens: local mode has no app registration, so no client id either. */
export const LOCAL_TAB_AUDIENCE = 'guest-access-bot-local-tab';

export interface TabIdentity {
  validator: TokenValidator;
  /** Set in local mode only: it signs the tokens the local Teams host page hands to the tab. */
  localIssuer?: LocalIssuer;
  /** For the start banner and the logs, e.g. `Entra tokens of tenant …, audience …`. */
  description: string;
}

/** Where Entra publishes a tenant's v2 token issuer and signing keys. */
export function entraEndpoints(tenantId: string): { issuer: string; keysUrl: string } {
  return {
    issuer: `${ENTRA_AUTHORITY}/${tenantId}/v2.0`,
    keysUrl: `${ENTRA_AUTHORITY}/${tenantId}/discovery/v2.0/keys`,
  };
}

/**
 * The tab's token checking for this configuration. `localIssuer` replaces the one made at start in
 * local mode (tests bring their own keys); it is refused with an app id, where only Entra issues.
 */
export function tabIdentityFor(config: { microsoftAppId: string; expectedTenantId: string }, clock: Clock, localIssuer?: LocalIssuer): TabIdentity {
  const tenantId = config.expectedTenantId;
  if (config.microsoftAppId) {
    if (localIssuer) throw new Error("A local token issuer is only for local mode: with MicrosoftAppId set, Entra issues the tab's tokens.");
    const { issuer, keysUrl } = entraEndpoints(tenantId);
    // Keys are cached and read again at most every 30 s when a token names an unknown one (Entra rolls keys over).
    const keys = createRemoteJWKSet(new URL(keysUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    return {
      validator: new SsoTokenValidator({ issuer, audience: config.microsoftAppId, tenantId, keys, clock }),
      description: `Teams SSO tokens from Entra (tenant ${tenantId}, audience ${config.microsoftAppId})`,
    };
  }
  const issuer = localIssuer ?? new LocalIssuer({ tenantId, audience: LOCAL_TAB_AUDIENCE, clock });
  return {
    validator: new SsoTokenValidator({ issuer: issuer.issuer, audience: issuer.audience, tenantId, keys: issuer.keys(), clock }),
    localIssuer: issuer,
    description: 'tokens of the local issuer (local mode: a key made at start)',
  };
}
