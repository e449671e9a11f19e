/**
 * Calls to the tab's API on the bot's own server, each with the Teams SSO token. No cookies: the
 * token is the only thing that says who calls, and the server checks it every time.
 */
import type { TokenSource } from './host';

export const API_BASE = '/tab/api';

/** The server refused or failed; `message` is its short reason, fit to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class Api {
  constructor(private readonly tokens: TokenSource) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.send<T>('POST', path, body);
  }

  private async send<T>(method: 'GET' | 'POST', path: string, body?: unknown, retried = false): Promise<T> {
    const token = await this.tokens.get(retried);
    const response = await fetch(`${API_BASE}${path}`, {
      method,
      credentials: 'omit',
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // An expired or renewed token: ask Teams for a fresh one, once.
    if (response.status === 401 && !retried) return this.send<T>(method, path, body, true);
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new ApiError(response.status, 'The server answered with something the tab does not understand.');
    }
    if (!response.ok) throw new ApiError(response.status, typeof parsed.error === 'string' ? parsed.error : `The server answered ${response.status}.`, parsed);
    return parsed as T;
  }
}

/** What to show for a failed call. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'The server could not be reached. Check your connection and try again.';
}
