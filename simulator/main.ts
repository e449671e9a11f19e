/**
 * CLI: `node dist/simulator/main.js [--port 5001] [--host 127.0.0.1] [--seed file.json]
 * [--guests 50000] [--premium on|off] [--permissions all|User.Read.All,User.Invite.All,...] [--quiet]`.
 * Starts the simulated Graph directory and prints its URL (the Graph base URL is `<url>/v1.0`).
 * SIMULATOR_FAULTS (JSON, see FaultSettings in faults.ts) injects latency, failures or a write quota.
 */
import { readFileSync } from 'node:fs';
import { faultSettingsFromEnv } from './faults';
import { parsePermissionList } from './permissions';
import { withGeneratedGuests } from './guestGenerator';
import { demoWellKnownIds, loadDemoSeed, validateSeed, type SeedFixture } from './seed';
import { startSimulator } from './server';

interface CliOptions {
  port: number;
  host: string;
  seedFile?: string;
  /** Generated guests added to the seed (deterministic). */
  guests: number;
  premium: boolean;
  /** The Graph application permissions the calling app holds. */
  permissions: string[] | 'all';
  quiet: boolean;
}

const USAGE =
  'Usage: node dist/simulator/main.js [--port 5001] [--host 127.0.0.1] [--seed file.json] [--guests 50000] [--premium on|off] [--permissions all|User.Read.All,User.Invite.All,...] [--quiet]';

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { port: 5001, host: '127.0.0.1', guests: 0, premium: true, permissions: 'all', quiet: false };
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
    else if (arg === '--guests') {
      const guests = Number(value());
      if (!Number.isSafeInteger(guests) || guests < 0 || guests > 1_000_000) throw new Error('--guests must be 0..1000000');
      options.guests = guests;
    } else if (arg === '--premium') {
      const premium = value();
      if (premium !== 'on' && premium !== 'off') throw new Error('--premium must be on or off');
      options.premium = premium === 'on';
    } else if (arg === '--permissions') options.permissions = parsePermissionList(value());
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
    throw new Error(`cannot read seed file ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return validateSeed(parsed);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // Standing faults (latency, random failures, write quota) as JSON; also settable at /_simulator/faults.
  const faults = faultSettingsFromEnv(process.env);
  const fixture = options.seedFile ? loadSeedFile(options.seedFile) : undefined;
  const seed = options.guests > 0 ? withGeneratedGuests(fixture ?? loadDemoSeed(), options.guests) : fixture;
  const simulator = await startSimulator({
    port: options.port,
    host: options.host,
    seed,
    premium: options.premium,
    permissions: options.permissions,
    faults,
    log: options.quiet ? undefined : (line) => console.log(line),
  });
  console.log(`Graph simulator listening on ${simulator.url} (Graph base URL ${simulator.url}/v1.0)`);
  if (options.guests > 0) console.log(`  with ${options.guests} generated guests`);
  if (faults) console.log(`  with injected faults from SIMULATOR_FAULTS: ${JSON.stringify(faults)}`);
  if (!options.premium) console.log('  without an Entra ID P1 licence: signInActivity is refused with 403');
  if (options.permissions !== 'all') {
    console.log(`  the calling app holds only these Graph permissions (others are refused with 403): ${options.permissions.join(', ') || 'none'}`);
  }
  if (!fixture) {
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
