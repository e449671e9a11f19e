import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Resident memory of another process in MB (MiB): now, and its peak since it started or since `resetPeak`. */
export interface ProcessMemory {
  rssMb: number;
  peakMb: number;
}

/** Reads a process's memory from Linux's /proc, which is where the benchmarks run. */
export function processMemory(pid: number): ProcessMemory {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) throw new Error(`${file} does not exist: the memory benchmarks read a process's memory from Linux's /proc`);
  const status = readFileSync(file, 'utf8');
  const mb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rssMb: mb('VmRSS'), peakMb: mb('VmHWM') };
}

/** Starts a new peak: Linux sets a process's VmHWM back to its current resident size on "5" in clear_refs. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
