/**
 * The bot as separate operating-system processes (`node dist/scripts/start.js`), for tests that
 * need several instances on one database, or one killed with SIGKILL. `npm test` builds dist/
 * before jest runs; `ensureBuilt` rebuilds it when a source is newer (a lone `npx jest`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const START_SCRIPT = join(ROOT, 'dist', 'scripts', 'start.js');
const SOURCE_DIRS = ['bot', 'cards', 'services', 'simulator', 'scripts'];

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles the project into dist/ unless dist/scripts/start.js is newer than every source file. */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(START_SCRIPT).mtimeMs;
  } catch {
    built = 0;
  }
  const newest = Math.max(...SOURCE_DIRS.map((dir) => newestSourceMs(join(ROOT, dir))));
  if (built >= newest) return;
  // tsc emits even when it reports type errors; those fail `npm test` in its own step.
  spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'ignore' });
  if (statSync(START_SCRIPT).mtimeMs < newest) throw new Error('dist/ could not be rebuilt: run `npx tsc -p tsconfig.json` and look at its errors');
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
 * Starts `node dist/scripts/start.js` with exactly `env` (plus PATH and a working directory of its
 * own, so no developer's .env leaks in) and resolves once it prints where it listens.
 */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'guest-bot-'));
  const port = env.PORT ?? String(await freePort());
  const fullEnv = { PATH: process.env.PATH ?? '', ...env, PORT: port };
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=DEP0111', START_SCRIPT], {
    cwd,
    env: fullEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  exited.then(() => rmSync(cwd, { recursive: true, force: true }), () => undefined);

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
