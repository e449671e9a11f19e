import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Bot Connector stand-in that accepts every reply at once and only counts them, so that the
 * bot's own cost is what a benchmark measures.
 */
export class NullConnector {
  received = 0;
  /** The last activity posted, parsed (benchmarks read the first card of a listing from it). */
  last: unknown;
  /** Keep the last body only when asked: parsing every reply would add to what is measured. */
  keepLast = false;
  private server?: Server;

  async start(): Promise<string> {
    let next = 0;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => {
        if (this.keepLast) chunks.push(chunk);
      });
      req.on('end', () => {
        if (this.keepLast && chunks.length > 0) this.last = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        this.received += 1;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: `a-${next++}` }));
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
