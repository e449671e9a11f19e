/**
 * The tab's pages and bundles, built by `scripts/buildTab.ts` into `dist/tab`, served from memory
 * with the headers Teams needs: a Content-Security-Policy whose `frame-ancestors` names the Teams,
 * Outlook and Microsoft 365 hosts (and no X-Frame-Options, which would forbid those frames), and
 * which runs only our own script files: no inline script, no other origin's.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as restify from 'restify';

/** Where Teams, Outlook and the Microsoft 365 app frame a tab from. */
export const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.cloud.microsoft',
  'https://*.microsoft365.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
] as const;

/** teams-js reads its list of valid host origins from here (and falls back to a built-in list). */
const TEAMS_JS_ORIGINS_CDN = 'https://res.cdn.office.net';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files a browser may ask for; anything else is 404 without touching the disk. */
const PUBLIC_FILES = ['index.html', 'dialog.html', 'tab.js', 'tab.css', 'dialog.js', 'dialog.css'] as const;
/** Only served in local mode, next to the local issuer. */
const LOCAL_HOST_FILES = ['local-host.html', 'local-host.js', 'local-host.css'] as const;

interface LoadedFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** `dist/tab` of the checkout or installation this code runs from (compiled, or under ts-jest). */
export function defaultTabFilesDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.join(from, 'tab');
    dir = parent;
  }
  return path.join(dir, 'dist', 'tab');
}

/** The policy of every tab page; `selfMayFrame` lets the local Teams host page on our own origin frame the tab. */
export function tabContentSecurityPolicy(options: { selfMayFrame: boolean }): string {
  const ancestors = [...(options.selfMayFrame ? ["'self'"] : []), ...TEAMS_FRAME_ANCESTORS].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${TEAMS_JS_ORIGINS_CDN}`,
    "frame-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

export class TabPages {
  private readonly cache = new Map<string, LoadedFile>();

  constructor(private readonly options: { dir: string; localHost: boolean }) {}

  register(server: restify.Server): void {
    const files: readonly string[] = this.options.localHost ? [...PUBLIC_FILES, ...LOCAL_HOST_FILES] : PUBLIC_FILES;
    const serve = (name: string) => async (req: restify.Request, res: restify.Response) => this.send(name, req, res);
    server.get('/tab', serve('index.html'));
    server.get('/tab/', serve('index.html'));
    for (const name of files) server.get(`/tab/${name}`, serve(name));
  }

  private send(name: string, req: restify.Request, res: restify.Response): void {
    const file = this.load(name);
    res.header('X-Content-Type-Options', 'nosniff');
    res.header('Referrer-Policy', 'no-referrer');
    res.header('Content-Security-Policy', tabContentSecurityPolicy({ selfMayFrame: this.options.localHost }));
    if (!file) {
      res.header('Content-Type', 'text/plain; charset=utf-8');
      res.header('Cache-Control', 'no-store');
      res.sendRaw(503, 'The tab\'s files are not built: run "npm run build" (or npm test, npm run local), which bundles them into dist/tab.');
      return;
    }
    // Revalidated on every load: a deployment changes the files under the same names.
    res.header('Cache-Control', 'no-cache');
    res.header('ETag', file.etag);
    if (req.headers['if-none-match'] === file.etag) {
      res.sendRaw(304, '');
      return;
    }
    res.header('Content-Type', file.contentType);
    res.sendRaw(200, file.body);
  }

  private load(name: string): LoadedFile | undefined {
    const known = this.cache.get(name);
    if (known) return known;
    const file = path.join(this.options.dir, name);
    if (!existsSync(file)) return undefined;
    const body = readFileSync(file);
    const loaded = {
      body,
      contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
    this.cache.set(name, loaded);
    return loaded;
  }
}
