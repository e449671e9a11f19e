/**
 * `npm start`: reads `.env`, validates the configuration, starts the simulated directory in-process
 * when no Graph settings are given, opens the store (PostgreSQL with DATABASE_URL, migrated at start;
 * otherwise SQLite), checks which Graph permissions the bot's app holds (tenant mode), then starts
 * the bot. Prints which mode, directory and store are in use, and what is missing and turned off.
 */
import { createCheckedApp } from '../bot/app';
import { createLogger } from '../services/logger';
import { describePermissionReport } from '../services/permissionCheck';
import { openStore, type OpenedStore } from '../services/store/openStore';
import { demoWellKnownIds } from '../simulator/seed';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { configurationOrExit } from './configuration';

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
    url = await app.listen(config.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(code === 'EADDRINUSE' ? `Not started: port ${config.port} is in use. Stop what uses it or set PORT.\n` : `Not started: ${String(error)}\n`);
    await app.close();
    await simulator?.close();
    process.exit(1);
  }

  const directory = {
    simulated: `simulated directory "${demo.tenantDisplayName}" in-process at ${config.graphBaseUrl}/v1.0`,
    loopback: `simulated directory at ${config.graphBaseUrl}/v1.0 (no token)`,
    tenant: `Microsoft Graph at ${config.graphBaseUrl}/v1.0, tenant ${config.expectedTenantId}`,
  }[config.directoryMode];
  const mode = config.microsoftAppId
    ? `tenant mode: Bot Framework tokens required for app ${config.microsoftAppId}`
    : 'local mode: no MicrosoftAppId, so /api/messages accepts unsigned requests (Agents Playground)';
  process.stdout.write(
    [
      `Guest access bot listening on ${url}/api/messages`,
      `  Mode:      ${mode}`,
      `  Directory: ${directory}`,
      `  Store:     ${opened.description}`,
      `  Tenant:    ${config.expectedTenantId}`,
      `  App owners: ${config.appOwnersMayInvite ? 'may approve inviting new guests for their apps (APP_OWNERS_MAY_INVITE=true)' : 'approve access for existing guests only; new guests go to the approver group (APP_OWNERS_MAY_INVITE=false)'}`,
      ...describePermissionReport(permissions).map((line) => `  ${line}`),
      '',
    ].join('\n'),
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
