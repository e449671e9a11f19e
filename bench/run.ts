/**
 * `npm run bench`: measures the idle bot, then runs the benchmarks, each in its own Node
 * process so that one's memory and warm caches do not colour another's, prints their figures, and
 * writes `bench/results.md`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { markdownTable, type BenchRow } from './lib/report';

interface Run {
  script: string;
  label?: string;
  env?: Record<string, string>;
}

const RUNS: Run[] = [
  { script: 'idleMemory' },
  { script: 'commandThroughput' },
  { script: 'approveClick' },
  { script: 'guestListing', env: { BENCH_GUEST_SIZES: '10000' } },
  { script: 'guestListing', env: { BENCH_GUEST_SIZES: '50000' } },
  // An operator's NODE_OPTIONS without a heap limit replaces npm start's: what the limit saves.
  { script: 'guestListing', env: { BENCH_GUEST_SIZES: '50000', BENCH_BOT_NODE_OPTIONS: '' }, label: 'NODE_OPTIONS without a heap limit' },
  { script: 'executionThroughput' },
  // Graph's eventual consistency: new guests cannot be added to groups for a while after their invitation.
  { script: 'executionThroughput', env: { BENCH_REPLICATION_LAG_MS: '3000' }, label: 'replication lag 3 s' },
  { script: 'tabViews' },
  { script: 'recertification' },
  { script: 'batchInvitations' },
];

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let os = process.platform;
  try {
    os = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim() as NodeJS.Platform;
  } catch {
    // uname is missing on some systems; the platform name will do.
  }
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${os}, Node ${process.version}`;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const rows: BenchRow[] = [];
  const started = Date.now();
  let failed = false;
  for (const run of RUNS) {
    const out = join(dir, `${run.script}-${rows.length}.json`);
    const result = spawnSync(process.execPath, ['--disable-warning=DEP0111', join(__dirname, `${run.script}.js`)], {
      stdio: 'inherit',
      env: { ...process.env, ...run.env, BENCH_JSON_OUT: out, ...(run.label ? { BENCH_LABEL: run.label } : {}) },
    });
    if (result.status !== 0) {
      failed = true;
      process.stderr.write(`${run.script} exited with ${result.status}\n`);
      continue;
    }
    rows.push(...(JSON.parse(readFileSync(out, 'utf8')) as BenchRow[]));
  }
  rmSync(dir, { recursive: true, force: true });
  const minutes = (Date.now() - started) / 60_000;
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; the whole run took ${minutes.toFixed(1)} minutes.`,
    '',
    markdownTable(rows),
    '',
  ].join('\n');
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results.md'), report);
  process.stdout.write(`\n${report}`);
  if (failed) process.exit(1);
}

main();
