// A TCP proxy that can go silent: while stalled it holds every byte in both directions and
// leaves the connections open (no reset, no FIN), like a database or an API behind a network
// that stopped answering. New connections are accepted and held the same way.
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';

export interface StallProxy {
  port: number;
  /** Stops forwarding: bytes are held, connections stay open. */
  stall(): void;
  /** Forwards what was held, then everything as before. */
  resume(): void;
  readonly stalled: boolean;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Ends every connection (reset) and stops listening. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const pairs = new Set<Pair>();
  let stalled = false;
  let accepted = 0;

  const flush = (pair: Pair) => {
    if (stalled || !pair.upstream || pair.upstream.connecting) return;
    for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
    for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
  };

  const openUpstream = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('connect', () => flush(pair));
    upstream.on('data', (chunk: Buffer) => {
      pair.toClient.push(chunk);
      flush(pair);
    });
    const end = () => {
      pair.client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on('error', end);
    upstream.on('close', end);
  };

  const server = createServer((client) => {
    accepted++;
    const pair: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      pair.toUpstream.push(chunk);
      flush(pair);
    });
    const end = () => {
      client.destroy();
      pair.upstream?.destroy();
      pairs.delete(pair);
    };
    client.on('error', end);
    client.on('close', end);
    // A connection made while stalled reaches nothing until resumed: the handshake never completes.
    if (!stalled) openUpstream(pair);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  return {
    port,
    get stalled() {
      return stalled;
    },
    get accepted() {
      return accepted;
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const pair of pairs) {
        if (!pair.upstream) openUpstream(pair);
        else flush(pair);
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
