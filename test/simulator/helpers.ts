/** Shared helpers for the simulator tests: start a simulator and talk to it over real HTTP. */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';

export interface GraphErrorJson {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export type Entity = Record<string, unknown>;

export interface CollectionJson {
  '@odata.context': string;
  '@odata.count'?: number;
  '@odata.nextLink'?: string;
  value: Entity[];
}

export interface GraphResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined for an empty / non-JSON body. */
  body: unknown;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  /** Sent verbatim (set the Content-Type yourself). */
  rawBody?: string;
}

/** Header set for advanced queries. */
export const EVENTUAL = { ConsistencyLevel: 'eventual' } as const;

export async function call(target: string, options: CallOptions = {}): Promise<GraphResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined = options.rawBody;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
  }
  const res = await fetch(target, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  let parsed: unknown;
  if (text !== '' && (res.headers.get('content-type') ?? '').startsWith('application/json')) {
    parsed = JSON.parse(text) as unknown;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export function asError(res: GraphResponse): GraphErrorJson['error'] {
  return (res.body as GraphErrorJson).error;
}

export function asCollection(res: GraphResponse): CollectionJson {
  return res.body as CollectionJson;
}

export function asEntity(res: GraphResponse): Entity {
  return res.body as Entity;
}

/** A started simulator plus a `graph(path)` shortcut for `<url>/v1.0<path>`. */
export interface TestSimulator {
  sim: RunningSimulator;
  graph(path: string, options?: CallOptions): Promise<GraphResponse>;
}

/**
 * Starts a simulator on a random port before the file's tests and closes it afterwards.
 * Use the returned object's properties inside tests (they are set in beforeAll).
 */
export function useSimulator(options: () => SimulatorOptions = () => ({})): TestSimulator {
  const holder = {} as TestSimulator;
  beforeAll(async () => {
    const sim = await startSimulator({ port: 0, ...options() });
    holder.sim = sim;
    holder.graph = (path, callOptions) => call(`${sim.url}/v1.0${path}`, callOptions);
  });
  afterAll(async () => {
    await holder.sim?.close();
  });
  return holder;
}

export function ids(collection: CollectionJson): string[] {
  return collection.value.map((v) => String(v.id));
}

export function names(collection: CollectionJson): string[] {
  return collection.value.map((v) => String(v.displayName));
}
