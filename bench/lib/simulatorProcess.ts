import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The simulated directory in a child process, so that a benchmark measures the bot's memory and
 * CPU apart from the directory's. Counts the requests it logs, by a predicate on each log line.
 */
export class SimulatorProcess {
  private child?: ChildProcess;
  private outputClosed?: Promise<void>;
  private readonly counters = new Map<string, { match: (line: string) => boolean; count: number }>();
  url = '';

  async start(args: string[], env: Record<string, string> = {}): Promise<string> {
    const main = join(__dirname, '..', '..', 'simulator', 'main.js');
    const child = spawn(process.execPath, [main, '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout });
    this.outputClosed = new Promise((resolve) => lines.once('close', () => resolve()));
    this.url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
      lines.on('line', (line) => {
        const started = /listening on (http:\/\/\S+)/.exec(line);
        if (started) resolve(started[1]);
        for (const counter of this.counters.values()) if (counter.match(line)) counter.count += 1;
      });
    });
    return this.url;
  }

  count(name: string, match: (line: string) => boolean): void {
    this.counters.set(name, { match, count: 0 });
  }

  counted(name: string): number {
    return this.counters.get(name)?.count ?? 0;
  }

  /** Stops the simulator and resolves once every line it printed has been counted. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) child.kill('SIGTERM');
    await this.outputClosed;
  }
}
