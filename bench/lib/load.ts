/** A small closed-loop load generator: `concurrency` clients each send one request after another. */

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Requests per second. */
  throughput: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export async function runLoad(options: {
  concurrency: number;
  /** Total requests to send. */
  requests: number;
  send: (i: number) => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= options.requests) return;
      const t0 = process.hrtime.bigint();
      const ok = await options.send(i).catch(() => false);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!ok) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    requests: options.requests,
    errors,
    seconds,
    throughput: options.requests / seconds,
    latencyMs: summarise(latencies),
  };
}

export function summarise(values: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);
