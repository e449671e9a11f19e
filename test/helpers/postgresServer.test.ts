import { createServer, type Server } from 'node:net';
import { freePort } from './botProcess';
import { testDatabaseUrl } from './postgres';
import { choosePostgres, describePostgres, probePostgres, type ProbeResult } from './postgresServer';

/** Which PostgreSQL server a test run takes (test/globalSetup.ts), decided without starting one. */
describe('choosing the PostgreSQL server for a test run', () => {
  const answers = (version: string) => async (): Promise<ProbeResult> => ({ reachable: true, version });

  it('uses TEST_DATABASE_URL when it is set, without looking at the default address', async () => {
    const probe = jest.fn(answers('15.2'));
    const choice = await choosePostgres({ TEST_DATABASE_URL: 'postgres://ci@db.internal:6432/test' }, { probe });
    expect(choice).toEqual({ kind: 'configured', url: 'postgres://ci@db.internal:6432/test' });
    expect(probe).not.toHaveBeenCalled();
  });

  it('uses the server at the default address when it accepts the connection', async () => {
    // This run's server, whichever it is, stands in for the default address.
    const url = testDatabaseUrl();
    const choice = await choosePostgres({}, { defaultUrl: url });
    expect(choice).toMatchObject({ kind: 'default', url, version: expect.stringMatching(/^\d+\.\d+/) });
  });

  it('starts the embedded server when nothing answers at the default address', async () => {
    const port = await freePort();
    const choice = await choosePostgres({}, { defaultUrl: `postgres://postgres@127.0.0.1:${port}/test` });
    expect(choice).toEqual({ kind: 'embedded', reason: `nothing answers at 127.0.0.1:${port}` });
  });

  it('starts the embedded server, saying why, when the server at the default address refuses the tests', async () => {
    // Something that answers on the port but is not PostgreSQL: the connection fails once it is open.
    const impostor: Server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n', () => socket.destroy()));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', () => resolve()));
    const { port } = impostor.address() as { port: number };
    try {
      const choice = await choosePostgres({}, { defaultUrl: `postgres://postgres@127.0.0.1:${port}/test` });
      expect(choice.kind).toBe('embedded');
      expect(choice.kind === 'embedded' && choice.reason).toMatch(
        new RegExp(`^the server at 127\\.0\\.0\\.1:${port} refused the tests \\(.+\\); set TEST_DATABASE_URL to use it$`),
      );
    } finally {
      await new Promise<void>((resolve) => impostor.close(() => resolve()));
    }
  });

  it('takes the embedded server with TEST_POSTGRES=embedded even when the default address answers', async () => {
    const probe = jest.fn(answers('15.2'));
    expect(await choosePostgres({ TEST_POSTGRES: 'embedded' }, { probe })).toEqual({ kind: 'embedded', reason: 'TEST_POSTGRES=embedded' });
    expect(probe).not.toHaveBeenCalled();
  });

  it('refuses TEST_POSTGRES=embedded together with TEST_DATABASE_URL, and an unknown TEST_POSTGRES', async () => {
    await expect(choosePostgres({ TEST_POSTGRES: 'embedded', TEST_DATABASE_URL: 'postgres://x@db/test' })).rejects.toThrow(
      'TEST_POSTGRES=embedded and TEST_DATABASE_URL are both set: unset one of them.',
    );
    await expect(choosePostgres({ TEST_POSTGRES: 'machine' })).rejects.toThrow('TEST_POSTGRES "machine" is not a choice');
  });

  it('names the configured server without its password', () => {
    const line = describePostgres({ kind: 'configured', url: 'postgres://ci:s3cret@db.internal:6432/test' }, { version: '16.4' });
    expect(line).toBe('PostgreSQL for the tests: postgres://ci:***@db.internal:6432/test from TEST_DATABASE_URL (PostgreSQL 16.4).');
  });

  it('reports an unreachable server as such, with the reason', async () => {
    const result = await probePostgres(`postgres://postgres@127.0.0.1:${await freePort()}/test`, 2_000);
    expect(result).toEqual({ reachable: false, answered: false, reason: expect.stringContaining('ECONNREFUSED') });
  });
});
