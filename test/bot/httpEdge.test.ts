import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { BotHarness, people } from '../helpers/botHarness';

type Activity = Record<string, unknown>;

/** Posts raw bytes with the given headers, as a client other than the Bot Connector could. */
async function postRaw(
  harness: BotHarness,
  body: string | Buffer | ReadableStream,
  headers: Record<string, string>,
): Promise<{ status: number; body: { error?: string } }> {
  const response = await fetch(`${harness.url}/api/messages`, {
    method: 'POST',
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { error?: string }) : {} };
}

describe('the HTTP front of /api/messages', () => {
  let harness: BotHarness;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    harness = await BotHarness.start({ LOG_LEVEL: 'warn' }, { logStream: sink });
  });
  afterAll(() => harness.stop());
  beforeEach(() => {
    harness.connector.clear();
    logLines.length = 0;
  });

  it('accepts application/json with a charset, as the Bot Connector sends it', async () => {
    const result = await postRaw(harness, JSON.stringify(harness.activities.message(people.alex, 'help')), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(result.status).toBe(200);
    expect(harness.connector.recorded).toHaveLength(1);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['multipart/form-data', 'multipart/form-data; boundary=x'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['octet-stream', 'application/octet-stream'],
  ])('refuses %s with 415 and a short reason', async (_name, contentType) => {
    const result = await postRaw(harness, JSON.stringify(harness.activities.message(people.alex, 'help')), { 'Content-Type': contentType });
    expect(result.status).toBe(415);
    expect(result.body.error).toBe('Only application/json is accepted: send a Bot Framework activity.');
    expect(harness.connector.recorded).toHaveLength(0);
  });

  it.each(['gzip', 'deflate', 'br', 'gzip, identity'])('refuses a body with Content-Encoding %s with 415', async (encoding) => {
    const body = gzipSync(JSON.stringify(harness.activities.message(people.alex, 'help')));
    const result = await postRaw(harness, body, { 'Content-Type': 'application/json', 'Content-Encoding': encoding });
    expect(result.status).toBe(415);
    expect(result.body.error).toContain('Compressed bodies are not accepted');
    expect(harness.connector.recorded).toHaveLength(0);
  });

  it('refuses a body sent without a length once it passes the cap', async () => {
    const chunk = new TextEncoder().encode(`{"type":"message","text":"${'x'.repeat(64 * 1024)}`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const result = await postRaw(harness, stream, { 'Content-Type': 'application/json' });
    expect(result.status).toBe(413);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it.each([
    ['no conversation id', 'conversation.id', (a: Activity) => ({ ...a, conversation: { tenantId: 'x' } })],
    ['no conversation', 'conversation', (a: Activity) => ({ ...a, conversation: undefined })],
    ['no sender', 'from', (a: Activity) => ({ ...a, from: undefined })],
    ['a sender without an id', 'from.id', (a: Activity) => ({ ...a, from: { aadObjectId: people.alex.aadObjectId } })],
    ['no service URL', 'serviceUrl', (a: Activity) => ({ ...a, serviceUrl: undefined })],
    ['a service URL that is not http(s)', 'serviceUrl', (a: Activity) => ({ ...a, serviceUrl: 'javascript:alert(1)' })],
    ['no channel id', 'channelId', (a: Activity) => ({ ...a, channelId: undefined })],
  ])('answers an activity with %s with 400 naming the field, never 500', async (_case, field, damage) => {
    for (const activity of [harness.activities.message(people.alex, 'help'), harness.activities.search(people.alex, 'groups', 'fal')]) {
      const result = await harness.post(damage(activity));
      expect(result.status).toBe(400);
      expect((result.body as { error: string }).error).toBe(`The activity lacks a valid ${field}.`);
    }
    expect(harness.connector.recorded).toHaveLength(0);
  });

  it.each(['webchat', 'directline', 'emulator', 'test'])('refuses activities from the %s channel and logs ids only', async (channelId) => {
    const activity: Activity = { ...harness.activities.message(people.isaiah, 'invite eve@fabrikam.com'), channelId };
    const result = await harness.post(activity);
    expect(result.status).toBe(403);
    expect((result.body as { error: string }).error).toBe('This bot serves Microsoft Teams only (channel "msteams").');
    expect(harness.connector.recorded).toHaveLength(0);
    expect(await harness.app.store.getConversation(`user:${people.isaiah.aadObjectId}`)).toBeUndefined();
    const refusal = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'activity from another channel refused');
    expect(refusal).toMatchObject({ activityId: activity.id, channelId, type: 'message' });
    expect(logLines.join('')).not.toContain('eve@fabrikam.com');
  });

  it.each(['ContinueConversation', 'CreateConversation'])('refuses a %s event, which only the adapter itself starts, from any tenant', async (name) => {
    const foreignTenant = { tenantId: '99999999-9999-9999-9999-999999999999' };
    const base = harness.activities.message(people.isaiah, 'help');
    const event: Activity = {
      ...base,
      type: 'event',
      name,
      text: undefined,
      conversation: { ...(base.conversation as object), ...foreignTenant },
      channelData: { tenant: { id: foreignTenant.tenantId } },
    };
    const result = await harness.post(event);
    expect(result.status).toBe(400);
    expect((result.body as { error: string }).error).toBe("This event is the bot's own and is not accepted from outside.");
    expect(await harness.app.store.getConversation(`user:${people.isaiah.aadObjectId}`)).toBeUndefined();
  });

  it('still answers the health check and the HEAD probe', async () => {
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${harness.url}/api/messages`, { method: 'HEAD' })).status).toBe(200);
  });
});
