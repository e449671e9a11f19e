import { writeFileSync } from 'node:fs';

/** One benchmark's figures, printed as it finishes and gathered into the Markdown table. */
export interface BenchRow {
  benchmark: string;
  measure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: boolean | undefined;
}

export function printRows(rows: BenchRow[]): void {
  for (const row of rows) {
    const verdict = row.met === undefined ? '' : row.met ? ' [target met]' : ' [TARGET MISSED]';
    process.stdout.write(`${row.benchmark} | ${row.measure}: ${row.value} (baseline ${row.baseline}, ratio ${row.ratio}; target ${row.target})${verdict}\n`);
  }
}

export function markdownTable(rows: BenchRow[]): string {
  const lines = ['| Benchmark | Measure | Value | Baseline | Ratio | Target | Met |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.benchmark} | ${r.measure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met === undefined ? '—' : r.met ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Entry point of one benchmark script: prints its rows, and when run by `bench/run.ts` also writes
 * them as JSON to BENCH_JSON_OUT; BENCH_LABEL (e.g. the Node flags used) is added to each name.
 */
export function benchMain(run: () => Promise<BenchRow[]>): void {
  run().then(
    (rows) => {
      const label = process.env.BENCH_LABEL;
      const labelled = label ? rows.map((r) => ({ ...r, benchmark: `${r.benchmark} (${label})` })) : rows;
      printRows(labelled);
      const out = process.env.BENCH_JSON_OUT;
      if (out) writeFileSync(out, JSON.stringify(labelled));
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
