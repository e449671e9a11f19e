/**
 * CLI: `node dist/simulator/main.js [--port 5001] [--host 127.0.0.1] [--seed file.json] [--quiet]`.
 * Starts the simulated Graph directory and prints its URL (the Graph base URL is `<url>/v1.0`).
 */
import { readFileSync } from 'node:fs';
import { demoWellKnownIds, validateSeed, type SeedFixture } from './seed';
import { startSimulator } from './server';

interface CliOptions {
  port: number;
  host: string;
  seedFile?: string;
  quiet: boolean;
}

const USAGE = 'Usage: node dist/simulator/main.js [--port 5001] [--host 127.0.0.1] [--seed file.json] [--quiet]';

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { port: 5001, host: '127.0.0.1', quiet: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
      options.port = port;
    } else if (arg === '--host') options.host = value();
    else if (arg === '--seed') options.seedFile = value();
    else if (arg === '--quiet') options.quiet = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument '${arg}'`);
  }
  return options;
}

function loadSeedFile(file: string): SeedFixture {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read seed file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validateSeed(parsed);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const seed = options.seedFile ? loadSeedFile(options.seedFile) : undefined;
  const simulator = await startSimulator({
    port: options.port,
    host: options.host,
    seed,
    log: options.quiet ? undefined : (line) => console.log(line),
  });
  console.log(`Graph simulator listening on ${simulator.url} (Graph base URL ${simulator.url}/v1.0)`);
  if (!seed) {
    const ids = demoWellKnownIds();
    console.log(`Demo tenant ${ids.tenantDisplayName}: tenant ${ids.tenantId}`);
    console.log(`  approver group ${ids.approverGroupId}, admin group ${ids.adminGroupId}`);
  }
  const stop = (): void => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  console.error(USAGE);
  process.exit(1);
});
