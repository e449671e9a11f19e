import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator';
import { ensureBuilt, startBotProcess, type BotProcess } from '../helpers/botProcess';

const SCRIPT = resolve(__dirname, '..', '..', 'dist', 'scripts', 'checkPermissions.js');
const ALL_BUT_DELETE = [
  'User.Read.All',
  'User.Invite.All',
  'GroupMember.Read.All',
  'GroupMember.ReadWrite.All',
  'Application.Read.All',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'User.EnableDisableAccount.All',
  'AuditLog.Read.All',
  'Directory.Read.All',
];

/** Runs `node dist/scripts/checkPermissions.js` with exactly `env`, in a folder without a .env. */
function checkPermissions(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'check-permissions-'));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SCRIPT], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', fail);
    child.once('exit', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      done({ code, output });
    });
  });
}

describe('checking the Graph permissions from the command line and at start', () => {
  let sim: RunningSimulator;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    sim = await startSimulator({ port: 0, permissions: ALL_BUT_DELETE });
  });

  afterAll(async () => {
    await bot?.stop();
    await sim.close();
  });

  it('npm run check-permissions names what is missing and what is off, and exits with 1', async () => {
    const { code, output } = await checkPermissions({ GRAPH_BASE_URL: sim.url, LOG_LEVEL: 'silent' });
    expect(output).toContain('missing User.DeleteRestore.All, User.ReadWrite.All.');
    expect(output).toContain('Off: Deleting guests; needs User.DeleteRestore.All.');
    expect(output).toContain('Off: Resending invitations to guests who already redeemed (redemption reset); needs User.ReadWrite.All.');
    expect(code).toBe(1);
  });

  it('exits with 0 when everything is granted and 2 when the grants cannot be read', async () => {
    sim.setPermissions('all');
    const granted = await checkPermissions({ GRAPH_BASE_URL: sim.url, LOG_LEVEL: 'silent' });
    expect(granted.output).toContain('everything the bot needs is granted');
    expect(granted.code).toBe(0);
    sim.setPermissions(['User.Read.All']);
    const unreadable = await checkPermissions({ GRAPH_BASE_URL: sim.url, LOG_LEVEL: 'silent' });
    expect(unreadable.output).toContain('reading them needs Application.Read.All');
    expect(unreadable.code).toBe(2);
    sim.setPermissions(ALL_BUT_DELETE);
  });

  it('the start banner says the same, and the bot starts', async () => {
    bot = await startBotProcess({ GRAPH_BASE_URL: sim.url, GRAPH_PERMISSION_CHECK: 'true', LOG_LEVEL: 'silent' });
    expect(bot.output()).toContain('missing User.DeleteRestore.All, User.ReadWrite.All.');
    expect(bot.output()).toContain('Off: Deleting guests; needs User.DeleteRestore.All.');
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
