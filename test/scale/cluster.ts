/**
 * Several bot processes behind no load balancer but the test itself: each process is a real
 * `npm start` (compiled) on its own port, all sharing one PostgreSQL schema made for the test
 * file, one simulated directory (in the test process, so the test can inject faults and inspect
 * the tenant) and one recording Bot Connector. The test keeps its own store on the same schema to
 * read what the instances wrote.
 */
import type { AdaptiveCard } from '../../cards/adaptiveCard';
import { VERBS } from '../../cards/verbs';
import { PostgresStore } from '../../services/store/postgresStore';
import { DEMO_GROUP_IDS, demoWellKnownIds } from '../../simulator/seed';
import { startSimulator, type RunningSimulator } from '../../simulator/server';
import { cardText, parseCardStrict } from '../helpers/adaptiveCards';
import { ensureBuilt, startBotProcess, type BotProcess } from '../helpers/botProcess';
import { createTestSchema, querySchema, type TestSchema } from '../helpers/postgres';
import { RecordingConnector } from '../helpers/recordingConnector';
import { personalConversationId, teamsActivities, type TeamsUser } from '../helpers/teamsActivities';

export interface PostResult {
  status: number;
  body: unknown;
}

export interface ClusterOptions {
  bots: number;
  /** Extra environment for every bot (worker timings, ...). */
  env?: Record<string, string>;
}

export class Cluster {
  readonly bots: BotProcess[] = [];

  private constructor(
    readonly schema: TestSchema,
    readonly simulator: RunningSimulator,
    readonly connector: RecordingConnector,
    readonly store: PostgresStore,
    readonly activities: ReturnType<typeof teamsActivities>,
    private readonly botEnv: Record<string, string>,
  ) {}

  /** Starts the shared pieces and `bots` processes at once (they migrate the empty schema together). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    ensureBuilt();
    const schema = await createTestSchema();
    const simulator = await startSimulator({ port: 0 });
    const connector = new RecordingConnector();
    const serviceUrl = await connector.start();
    const demo = demoWellKnownIds();
    const botEnv = {
      DATABASE_URL: schema.url,
      GRAPH_BASE_URL: simulator.url,
      LOG_LEVEL: 'warn',
      // The tests file dozens of requests as one person within seconds, which the default limit exists to stop.
      REQUESTS_PER_USER_PER_HOUR: '1000',
      ...options.env,
    };
    const starting = Array.from({ length: options.bots }, () => startBotProcess(botEnv));
    const bots = await Promise.all(starting);
    const store = await PostgresStore.connect(schema.url, { maxConnections: 4 });
    const cluster = new Cluster(schema, simulator, connector, store, teamsActivities({ serviceUrl, tenantId: demo.tenantId }), botEnv);
    cluster.bots.push(...bots);
    return cluster;
  }

  /** Starts another bot process on the same schema and directory (a restart after a crash). */
  async addBot(): Promise<BotProcess> {
    const bot = await startBotProcess(this.botEnv);
    this.bots.push(bot);
    return bot;
  }

  /** Posts an activity to one instance's /api/messages, as the Bot Connector would. */
  async post(bot: number, activity: unknown): Promise<PostResult> {
    const target = this.bots[bot];
    if (!target) throw new Error(`no bot ${bot}`);
    const response = await fetch(`${target.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof activity === 'string' ? activity : JSON.stringify(activity),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body };
  }

  /** Cards sent to a user's 1:1 chat, by any instance, each checked to parse without warnings. */
  cardsFor(user: TeamsUser): { activityId: string; card: AdaptiveCard; text: string }[] {
    return this.connector
      .in(personalConversationId(user))
      .filter((r) => r.kind === 'send')
      .flatMap((r) =>
        this.connector.cards([r]).map((content) => {
          parseCardStrict(content);
          return { activityId: r.activityId, card: content as AdaptiveCard, text: cardText(content as AdaptiveCard) };
        }),
      );
  }

  /** A message from the user to one instance; resolves once it answered. */
  async say(bot: number, user: TeamsUser, text: string): Promise<void> {
    const result = await this.post(bot, this.activities.message(user, text));
    if (result.status !== 200) throw new Error(`"${text}" answered ${result.status}`);
  }

  /** Files an invite request through one instance (form, then submit); returns its id. */
  async fileRequest(bot: number, requester: TeamsUser, email: string): Promise<string> {
    const before = this.cardsFor(requester).length;
    await this.say(bot, requester, `invite ${email}`);
    const form = this.cardsFor(requester)[before];
    if (!form) throw new Error('no invite form came back');
    const submitted = await this.post(
      bot,
      this.activities.cardAction(
        requester,
        VERBS.submitInvite,
        {
          displayName: 'Scale Guest',
          email,
          message: 'Welcome',
          groupIds: DEMO_GROUP_IDS.projectFalcon,
          directoryRoleId: 'none',
          justification: 'Load and failure testing',
        },
        form.activityId,
      ),
    );
    const requestId = /GA-[0-9A-Z]{6}/.exec(invokeText(submitted))?.[0];
    if (!requestId) throw new Error(`no request id in the answer: ${JSON.stringify(submitted.body)}`);
    return requestId;
  }

  /** The approval card a user received for a request (the first card naming it in their chat). */
  approvalCard(user: TeamsUser, requestId: string): { activityId: string; text: string } {
    const card = this.cardsFor(user).find((c) => c.text.includes(requestId));
    if (!card) throw new Error(`${user.name} has no approval card for ${requestId}`);
    return card;
  }

  /** Row count of a table in the shared schema. */
  async count(table: string, where = 'true', values: unknown[] = []): Promise<number> {
    const rows = await querySchema<{ n: number }>(this.schema, `SELECT count(*)::integer AS n FROM ${table} WHERE ${where}`, values);
    return rows[0]?.n ?? 0;
  }

  /** Everything the bot processes printed (warnings and errors), for a failing test's message. */
  output(): string {
    return this.bots.map((b, i) => `--- bot ${i} ---\n${b.output()}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.bots.map((b) => b.stop()));
    await this.store.close();
    await this.simulator.close();
    await this.connector.stop();
    await this.schema.drop();
  }
}

/** The text of a card in an invoke answer, or its error message. */
export function invokeText(result: PostResult): string {
  const body = result.body as { type?: string; value?: unknown } | undefined;
  if (body?.type === 'application/vnd.microsoft.card.adaptive') {
    parseCardStrict(body.value);
    return cardText(body.value as AdaptiveCard);
  }
  if (body?.type === 'application/vnd.microsoft.error') return JSON.stringify(body.value);
  return typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
}

/** Polls `check` until it returns true, failing with `describe()` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, describe: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
