/**
 * The tab's side of Microsoft Teams: connecting to the host (which fails at once in a plain browser
 * tab, and never answers in a frame that is not Teams), the theme and locale, and the single
 * sign-on token every API call carries.
 */
import { app, authentication } from '@microsoft/teams-js';

export type Theme = 'default' | 'dark' | 'contrast';

export interface HostContext {
  theme: Theme;
  locale: string;
  frameContext: string;
}

/**
 * How long to wait for a host: Teams answers within a second or two, but teams-js itself waits 60 s
 * for a parent frame that never answers; nobody should stare at a blank page that long.
 */
const HOST_TIMEOUT_MS = 8_000;

/**
 * The host's context, or undefined when the page is not running inside Teams (or another Microsoft
 * 365 host). Outside a frame teams-js gives up at once; Teams on phones talks to the page without
 * a parent frame, so that is left to teams-js to tell.
 */
export async function connectToHost(timeoutMs = HOST_TIMEOUT_MS): Promise<HostContext | undefined> {
  try {
    await withTimeout(app.initialize(), timeoutMs);
    const context = await withTimeout(app.getContext(), timeoutMs);
    return { theme: themeOf(context.app.theme), locale: context.app.locale || navigator.language, frameContext: context.page.frameContext ?? 'content' };
  } catch {
    return undefined;
  }
}

export function themeOf(name: string | undefined): Theme {
  return name === 'dark' || name === 'contrast' ? name : 'default';
}

/** Follows Teams' theme, now and whenever the person changes it. */
export function followTheme(initial: Theme): void {
  applyTheme(initial);
  app.registerOnThemeChangeHandler((theme) => applyTheme(themeOf(theme)));
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** Seconds before expiry at which a cached token is replaced. */
const TOKEN_RENEW_SECONDS = 120;

/** The Teams SSO token, asked for once and again shortly before it expires (or after a 401). */
export class TokenSource {
  private cached: { token: string; expiresAt: number } | undefined;

  async get(fresh = false): Promise<string> {
    const now = Date.now() / 1000;
    if (!fresh && this.cached && this.cached.expiresAt - TOKEN_RENEW_SECONDS > now) return this.cached.token;
    const token = await authentication.getAuthToken();
    this.cached = { token, expiresAt: expiryOf(token) ?? now + 300 };
    return token;
  }
}

/** The `exp` claim, read without checking anything: the server checks the token, the tab only times its renewal. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The host did not answer.')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
