/**
 * `npm run check-permissions`: reads which Microsoft Graph application permissions the bot's app
 * (AZURE_CLIENT_ID) holds, and prints what is missing and which features are off because of it.
 * Against a simulator (GRAPH_BASE_URL on loopback) it reads the demo bot's app. Exit code 0 when
 * nothing is missing, 1 when something is, 2 when the grants could not be read.
 */
import { DefaultAzureCredential } from '@azure/identity';
import { createGraphClient } from '../services/directory/graphClient';
import { GraphDirectory } from '../services/directory/graphDirectory';
import { checkGraphPermissions, describePermissionReport } from '../services/directory/permissionCheck';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { configurationOrExit } from './configuration';

async function main(): Promise<void> {
  let config = configurationOrExit('Not checked.');
  let simulator: RunningSimulator | undefined;
  if (config.directoryMode === 'simulated') {
    // Local mode has no tenant: the in-process simulated directory grants every permission.
    simulator = await startSimulator({ port: 0 });
    config = { ...config, graphBaseUrl: simulator.url };
  }
  const client = createGraphClient({
    baseUrl: config.graphBaseUrl,
    credential: config.directoryMode === 'tenant' ? new DefaultAzureCredential() : undefined,
  });
  const report = await checkGraphPermissions(new GraphDirectory(client, config.graphBaseUrl), config.graphClientId);
  await simulator?.close();
  process.stdout.write(`${describePermissionReport(report).join('\n')}\n`);
  if (report.outcome !== 'checked') process.exit(2);
  process.exit(report.capabilities.off().length > 0 ? 1 : 0);
}

void main();
