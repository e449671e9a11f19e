/**
 * OData string literal: single quotes are escaped by doubling them (`o''brien`), never with a
 * backslash. The result still needs percent-encoding when it goes into a URL (see `queryString`).
 */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Builds `?k=v&...` with every value percent-encoded. The Graph JS client joins query values raw,
 * and Graph decodes a bare `+` as a space and cuts at `#`, so addresses like `a+b@x.com` must reach
 * it as `%2B`. `$` in keys stays literal, as Graph expects.
 */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Encodes one path segment (an id or a user principal name such as `x_y.com#EXT#@t.onmicrosoft.com`). */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}
