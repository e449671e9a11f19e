import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One thing the bot sent to the Bot Connector: a new message or an update of an earlier one. */
export interface RecordedActivity {
  kind: 'send' | 'update';
  conversationId: string;
  /** The id the connector gave (send) or the id the bot updated (update). */
  activityId: string;
  activity: {
    type?: string;
    text?: string;
    attachments?: { contentType: string; content: unknown }[];
  };
}

/**
 * A stand-in for the Bot Connector service: it accepts what the bot sends to `serviceUrl`,
 * answers like the real service, and records everything for assertions.
 */
export class RecordingConnector {
  readonly recorded: RecordedActivity[] = [];
  private nextId = 1;
  private server?: Server;
  private held?: Promise<void>;
  private waiting = 0;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Everything sent into one conversation, in order. */
  in(conversationId: string): RecordedActivity[] {
    return this.recorded.filter((r) => r.conversationId === conversationId);
  }

  /** The Adaptive Cards of what was recorded, newest last. */
  cards(records: RecordedActivity[] = this.recorded): unknown[] {
    return records.flatMap((r) =>
      (r.activity.attachments ?? []).filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive').map((a) => a.content),
    );
  }

  clear(): void {
    this.recorded.length = 0;
  }

  /**
   * Keeps every answer to the bot waiting until the returned function is called, so that turns
   * stay in flight for as long as a test needs them to. A held request whose sender went away
   * meanwhile (a process killed) is dropped unrecorded, as a message lost in flight.
   */
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  /** Resolves once `count` requests from the bot are waiting on `hold()`. */
  async waitForHeld(count: number): Promise<void> {
    while (this.waiting < count) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.held) {
      this.waiting += 1;
      let senderGone = false;
      res.once('close', () => (senderGone = !res.writableFinished));
      await this.held;
      // A killed sender's socket may close in the same turn as the release: give the loop a moment to see it before recording.
      await new Promise((resolve) => setTimeout(resolve, 50));
      this.waiting -= 1;
      if (senderGone || req.socket.destroyed) return;
    }
    const parts = (req.url ?? '').split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
    // v3/conversations/{conversationId}/activities[/{activityId}]
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities' && parts[2]) {
      const conversationId = parts[2];
      const activity = JSON.parse(body || '{}') as RecordedActivity['activity'];
      if (req.method === 'PUT' && parts[4]) {
        this.recorded.push({ kind: 'update', conversationId, activityId: parts[4], activity });
        return reply(res, 200, { id: parts[4] });
      }
      if (req.method === 'POST') {
        const activityId = `activity-${this.nextId++}`;
        this.recorded.push({ kind: 'send', conversationId, activityId, activity });
        return reply(res, 200, { id: activityId });
      }
    }
    if (parts[0] === 'v3' && parts[1] === 'conversations' && parts.length === 2 && req.method === 'POST') {
      return reply(res, 200, { id: `conversation-${this.nextId++}`, activityId: `activity-${this.nextId++}` });
    }
    reply(res, 404, { error: { code: 'NotFound', message: `${req.method} ${req.url}` } });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
