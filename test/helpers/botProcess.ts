/**
 * The bot as separate operating-system processes, started with `npm start`'s own command line
 * (`node <options> dist/scripts/start.js`, read from package.json), for tests that need several
 * instances on one database, one killed with SIGKILL, or the memory of a real process, and for the
 * benchmarks. `npm test` builds dist/ before jest runs; `ensureBuilt` rebuilds it when a source is
 * newer (a lone `npx jest`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../scripts/repoRoot';

// From test/helpers under jest, and from dist/test/helpers in the compiled benchmarks.
const ROOT = repoRoot(__dirname);
const START_SCRIPT = join(ROOT, 'dist', 'scripts', 'start.js');

/**
 * The arguments `npm start` gives node, with its paths made absolute so that they hold from any
 * working directory: tests and benchmarks then run the bot with the operator's heap limit and flags.
 */
export function npmStartNodeArgs(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  const words = (scripts.start ?? '').trim().split(/\s+/);
  const script = words.at(-1) ?? '';
  if (words[0] !== 'node' || resolve(ROOT, script) !== START_SCRIPT) {
    throw new Error(`package.json's start script is "${scripts.start ?? ''}", not "node <options> dist/scripts/start.js": update npmStartNodeArgs to match it`);
  }
  const options = words.slice(1, -1).map((word) => {
    const envFile = /^--env-file=(.+)$/.exec(word);
    return envFile ? `--env-file=${resolve(ROOT, envFile[1])}` : word;
  });
  return [...options, START_SCRIPT];
}

/** Compiles the production build into dist/ the way `npm start` does, when a source is newer than it. */
export function ensureBuilt(): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'buildIfStale.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`dist/ could not be built: run \`npx tsc -p tsconfig.build.json\` and look at its errors\n${build.stdout}${build.stderr}`);
  }
}

/** A port nobody listens on right now (the bot takes it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface BotProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The operating system's process id (to read its memory from /proc). */
  pid: number;
  env: Readonly<Record<string, string>>;
  /** Everything the process wrote, for a failing test's message. */
  output(): string;
  /** Sends the signal and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (finish the work in hand), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

/**
 * Starts the bot as `npm start` does, with exactly `env` (plus PATH and a working directory of its
 * own, so no developer's .env leaks in) and resolves once it prints where it listens.
 */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'guest-bot-'));
  const port = env.PORT ?? String(await freePort());
  const fullEnv = { PATH: process.env.PATH ?? '', ...env, PORT: port };
  const child: ChildProcess = spawn(process.execPath, npmStartNodeArgs(), {
    cwd,
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  exited.then(
    () => rmSync(cwd, { recursive: true, force: true }),
    () => undefined,
  );

  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`)), STARTUP_TIMEOUT_MS);
    const onData = () => {
      if (output.includes('listening on')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolveReady();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bot exited during start (${signal ?? `code ${String(code)}`}):\n${output}`));
    });
  });

  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    env: fullEnv,
    output: () => output,
    kill,
    async stop() {
      const grace = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await kill('SIGTERM');
      clearTimeout(grace);
    },
  };
}
