import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type AuthenticationProvider,
  type ShouldRetry,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';

export interface GraphClientOptions {
  /** Service origin, e.g. `https://graph.microsoft.com` or `http://127.0.0.1:5001`. */
  baseUrl: string;
  /** Absent for an http:// loopback simulator, which takes no token. */
  credential?: TokenCredential;
  /** Retries of safe requests on 429/503/504 inside one call (Retry-After honoured). */
  maxRetries?: number;
  /** Seconds to wait before a retry when Graph sends no Retry-After. */
  retryDelaySeconds?: number;
}

/** Requests that change nothing, so the client may repeat them without side effects. */
const isSafeToRepeat: ShouldRetry = (_delay, _attempt, request, options) => {
  const method = (options?.method ?? 'GET').toUpperCase();
  // A Request object outside the DOM typings: only its url matters here.
  const url: unknown = typeof request === 'string' ? request : (request as { url?: unknown }).url;
  const path = typeof url === 'string' ? (url.split('?')[0] ?? '') : '';
  return method === 'GET' || (method === 'POST' && /\/checkMemberGroups$/i.test(path));
};

/** Never called: the client adds tokens only for https Graph hosts, and a loopback simulator is http. */
const noTokenProvider: AuthenticationProvider = {
  getAccessToken: () => Promise.reject(new Error('No Graph credential is configured for this directory.')),
};

/**
 * Builds the Graph client with a visible middleware chain: authentication, then retries for safe
 * requests only (a repeated POST /invitations could send a second invitation e-mail, so writes are
 * retried by the execution worker, which first checks what already happened), then HTTP.
 */
export function createGraphClient(options: GraphClientOptions): Client {
  const authProvider = options.credential
    ? new TokenCredentialAuthenticationProvider(options.credential, { scopes: ['https://graph.microsoft.com/.default'] })
    : noTokenProvider;
  const retryOptions = new RetryHandlerOptions(options.retryDelaySeconds ?? 3, options.maxRetries ?? 3, isSafeToRepeat);
  const authentication = new AuthenticationHandler(authProvider);
  const retry = new RetryHandler(retryOptions);
  authentication.setNext(retry);
  retry.setNext(new HTTPMessageHandler());

  const base = new URL(options.baseUrl);
  const knownHost = /(^|\.)graph\.microsoft\.(com|us|de)$|^microsoftgraph\.chinacloudapi\.cn$/.test(base.hostname);
  return Client.initWithMiddleware({
    middleware: authentication,
    baseUrl: `${base.origin}/`,
    defaultVersion: 'v1.0',
    // A sovereign or proxy https host gets the token only when listed here.
    customHosts: base.protocol === 'https:' && !knownHost ? new Set([base.host]) : undefined,
  });
}
