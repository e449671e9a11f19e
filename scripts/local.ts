/**
 * `npm run local`: the whole demo in one process tree, with no tenant. The bot runs in local mode
 * against the simulated directory, and three Agents Playground pages let you act as a requester, as
 * an approver, and as an admin (who also approves and owns an app). Ctrl-C stops everything.
 */
import { config as loadDotEnv } from 'dotenv';
import path from 'node:path';
import { demoWellKnownIds } from '../simulator/seed';
import { DEFAULT_LOCAL_PORTS, findBusyPorts, PLAYGROUNDS, startLocalRun, type LocalRun, type LocalRunPorts } from './localRun';
import { repoRoot } from './repoRoot';

/** Environment variables that move a port, for when a fixed one is taken by something else. */
const PORT_VARIABLES: Record<keyof LocalRunPorts, string> = {
  bot: 'PORT',
  requester: 'PLAYGROUND_REQUESTER_PORT',
  approver: 'PLAYGROUND_APPROVER_PORT',
  admin: 'PLAYGROUND_ADMIN_PORT',
};

async function main(): Promise<void> {
  loadDotEnv({ quiet: true });
  const ports = readPorts(process.env);

  const busy = await findBusyPorts(ports);
  if (busy.length > 0) {
    const lines = busy.map((b) => `  - port ${b.port} (${b.name}) is in use`);
    fail(
      `Not started: the demo uses fixed ports and will not pick others by itself.\n${lines.join('\n')}\n` +
        `Stop what uses them, or choose others with ${Object.values(PORT_VARIABLES).join(', ')}.`,
    );
  }

  const logDir = path.join(repoRoot(), '.local');
  let run: LocalRun;
  try {
    run = await startLocalRun({ ports, logDir, env: process.env });
  } catch (error) {
    fail(`Not started: ${error instanceof Error ? error.message : String(error)}`);
  }

  const demo = demoWellKnownIds();
  process.stdout.write(
    [
      `Guest access demo running in local mode: simulated directory "${demo.tenantDisplayName}", in-memory store.`,
      `  Bot:       ${run.botEndpoint}`,
      `  Approver:  ${run.playgroundUrls.approver}  signed in as ${PLAYGROUNDS.approver.user} (${PLAYGROUNDS.approver.part})`,
      `  Admin:     ${run.playgroundUrls.admin}  signed in as ${PLAYGROUNDS.admin.user} (${PLAYGROUNDS.admin.part}); type "guests"`,
      `  Requester: ${run.playgroundUrls.requester}  signed in as ${PLAYGROUNDS.requester.user} (${PLAYGROUNDS.requester.part}); type "invite" or "request app"`,
      `  Tab:       ${run.tabHostUrl}  the personal tab in a local Teams host page; choose who you are (Alex, Megan or Adele) at the top`,
      `  Open the approver's and the admin's pages first and choose Personal Chat: approval cards reach only people the bot has met.`,
      `  Playground logs in ${logDir}. Reloading a page clears its chat. Press Ctrl-C to stop.`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${reason}: stopping the Playgrounds and the bot.\n`);
    await run.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  void run.unexpectedExit.then((description) => stop(description, 1));
}

function readPorts(env: NodeJS.ProcessEnv): LocalRunPorts {
  const problems: string[] = [];
  const read = (key: keyof LocalRunPorts): number => {
    const variable = PORT_VARIABLES[key];
    const text = (env[variable] ?? '').trim();
    if (!text) return DEFAULT_LOCAL_PORTS[key];
    const port = Number(text);
    if (Number.isInteger(port) && port >= 1 && port <= 65535) return port;
    problems.push(`${variable} "${text}" must be a whole number from 1 to 65535.`);
    return DEFAULT_LOCAL_PORTS[key];
  };
  const ports = { bot: read('bot'), requester: read('requester'), approver: read('approver'), admin: read('admin') };
  if (new Set(Object.values(ports)).size < Object.keys(ports).length) problems.push(`The ports must differ: ${JSON.stringify(ports)}.`);
  if (problems.length > 0) fail(`Not started.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return ports;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

void main();
