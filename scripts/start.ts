/**
 * `npm start`: reads `.env`, validates the configuration, starts the simulated directory in-process
 * when no Graph settings are given, opens the store (PostgreSQL with DATABASE_URL, migrated at start;
 * otherwise SQLite), checks which Graph permissions the bot's app holds (tenant mode), then starts
 * the bot. Prints every security-relevant setting, the directory and the store, what is missing and
 * turned off, and warns about settings that deserve a second look.
 */
import { createCheckedApp } from '../bot/app';
import { configWarnings } from '../services/platform/config';
import { createLogger } from '../services/platform/logger';
import { describePermissionReport } from '../services/directory/permissionCheck';
import { openStore, type OpenedStore } from '../services/store/openStore';
import { demoWellKnownIds } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { configurationOrExit } from './configuration';
import { startBanner } from './startBanner';

/** Whether Node was given a heap limit, on its command line or in NODE_OPTIONS (`npm start` gives one). */
function heapLimitGiven(): boolean {
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return options.some((option) => /^--max[-_](old[-_]space|heap)[-_]size=/.test(option));
}

async function main(): Promise<void> {
  let config = configurationOrExit('Not started.');
  const demo = demoWellKnownIds();
  const logger = createLogger(config.logLevel);

  let simulator: RunningSimulator | undefined;
  if (config.directoryMode === 'simulated') {
    simulator = await startSimulator({ port: 0 });
    config = { ...config, graphBaseUrl: simulator.url };
  }

  let opened: OpenedStore;
  try {
    opened = await openStore(config, logger);
  } catch (error) {
    process.stderr.write(`Not started: the store could not be opened (${error instanceof Error ? error.message : String(error)}).\n`);
    await simulator?.close();
    process.exit(1);
  }

  const { app, permissions } = await createCheckedApp({ config, logger, store: opened.store });
  let url: string;
  try {
    url = await app.listen(config.port, config.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `Not started: port ${config.port} is in use. Stop what uses it or set PORT.\n`
        : code === 'EADDRNOTAVAIL'
          ? `Not started: HOST ${config.host} is not an address of this machine. Set HOST to one of its addresses, 127.0.0.1 or 0.0.0.0.\n`
          : `Not started: ${String(error)}\n`,
    );
    await app.close();
    await simulator?.close();
    process.exit(1);
  }

  const directory = {
    simulated: `simulated directory "${demo.tenantDisplayName}" in-process at ${config.graphBaseUrl}/v1.0`,
    loopback: `simulated directory at ${config.graphBaseUrl}/v1.0 (no token)`,
    tenant: `Microsoft Graph at ${config.graphBaseUrl}/v1.0, tenant ${config.expectedTenantId}`,
  }[config.directoryMode];
  for (const warning of configWarnings(config)) process.stderr.write(`Warning: ${warning}\n`);
  if (!heapLimitGiven()) {
    process.stderr.write(
      "Warning: Node runs without a heap limit, so V8 sizes its heap from the machine's memory and leaves garbage uncollected " +
        'far past what the bot needs: start with npm start, or put a heap limit such as --max-old-space-size=256 in NODE_OPTIONS.\n',
    );
  }
  process.stdout.write(
    `${startBanner(config, { url, directory, store: opened.description, limitsCountedIn: app.limits.description, permissions: describePermissionReport(permissions), tab: `${url}/tab/ accepts ${app.tabIdentity.description}` }).join('\n')}\n`,
  );

  const stop = async (signal: string) => {
    process.stdout.write(`${signal}: finishing work in hand and stopping.\n`);
    await app.close();
    await simulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

void main();
