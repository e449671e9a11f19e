/** Small helpers for the end-to-end tests: free ports, polling, where screenshots go. */
import { createServer } from 'node:net';
import path from 'node:path';
import { isPortFree, type LocalRunPorts } from '../../scripts/localRun';
import { repoRoot } from '../../scripts/repoRoot';

/**
 * Four ports that are free right now (the bot's and three Playgrounds'). The system hands out unused ones; each is checked again
 * because the Playground would move silently to a random port if its own were taken.
 */
export async function freePorts(): Promise<LocalRunPorts> {
  const ports = new Set<number>();
  while (ports.size < 4) {
    const port = await ephemeralPort();
    if (await isPortFree(port)) ports.add(port);
  }
  const [bot, requester, approver, admin] = [...ports] as [number, number, number, number];
  return { bot, requester, approver, admin };
}

function ephemeralPort(): Promise<number> {
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

/** Polls `check` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}.`);
}

/**
 * `docs/screenshots` when E2E_SCREENSHOTS=1, so that one run refreshes the README's pictures;
 * otherwise no screenshots are taken.
 */
export function screenshotDir(): string | undefined {
  return process.env.E2E_SCREENSHOTS === '1' ? path.join(repoRoot(), 'docs', 'screenshots') : undefined;
}
