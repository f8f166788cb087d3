import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log/logger.ts';
import { backoffMs } from '../time/backoff.ts';
import { type Clock, systemClock, type Timer } from '../time/clock.ts';
import type { PgPoolDriver } from './pg-pool-driver.ts';
import type { RelayMessage, RelayTransport } from './relay-transport.ts';

// NOTIFY payloads must stay under 8000 bytes; a larger message waits in relay_messages and the
// notification carries its id.
const maxPayloadBytes = 7_900;

type Wire = RelayMessage | { type: 'stored'; id: string; to: string };

export interface PgNotifyOptions {
  connectionString: string;
  /** The schema the tables live in: instances sharing a database but not a schema do not hear each other. */
  schema: string;
  /** Publishes (pg_notify) and stores large messages. */
  driver: PgPoolDriver;
  /** This instance: a stored message for another is not read. */
  instanceId: string;
  log: Logger;
  clock?: Clock;
  /** Deadline of the listener's connect. */
  connectTimeoutMs: number;
}

/** The channel for a schema: one per deployment sharing the database. */
export function relayChannel(schema: string): string {
  return `switchboard_relay_${schema}`
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase()
    .slice(0, 63);
}

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries), reconnecting
 * with backoff when it drops. While it is down, messages to this instance are lost: a command's
 * sender then times out with a clear error, and `connected` says so (the instance is not ready).
 */
export class PgNotifyTransport implements RelayTransport {
  private readonly opts: PgNotifyOptions;
  private readonly clock: Clock;
  private readonly channel: string;
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private attempt = 0;
  private retry: Timer | null = null;
  private onMessage: (message: RelayMessage) => void = () => undefined;

  constructor(opts: PgNotifyOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.channel = relayChannel(opts.schema);
  }

  get connected(): boolean {
    return this.listening;
  }

  /** Resolves once listening, or rejects when the first connect fails (reconnecting goes on in the background). */
  async start(onMessage: (message: RelayMessage) => void): Promise<void> {
    this.onMessage = onMessage;
    await this.connect();
  }

  async publish(message: RelayMessage): Promise<void> {
    let payload = JSON.stringify(message satisfies Wire);
    if (Buffer.byteLength(payload) > maxPayloadBytes) {
      const id = randomUUID();
      await this.opts.driver.run(`INSERT INTO relay_messages (id, payload, created_at) VALUES ($1, $2, $3)`, [
        id,
        payload,
        this.clock.epochMs(),
      ]);
      payload = JSON.stringify({ type: 'stored', id, to: message.to } satisfies Wire);
    }
    await this.opts.driver.query(`SELECT pg_notify($1, $2)`, [this.channel, payload]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.retry?.cancel();
    const client = this.client;
    this.client = null;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      connectionTimeoutMillis: this.opts.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      application_name: 'switchboard-relay',
    });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      this.listening = false;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.opts.log.warn({ err: err?.message }, 'relay listener lost; reconnecting');
      this.schedule();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload) void this.receive(n.payload);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listening = true;
    if (this.attempt > 0) this.opts.log.info({ attempts: this.attempt }, 'relay listener reconnected');
    this.attempt = 0;
  }

  private schedule(): void {
    this.attempt++;
    const delayMs = backoffMs(this.attempt, { baseMs: 200, maxMs: 5_000 });
    this.retry = this.clock.setTimeout(() => {
      this.retry = null;
      if (this.closed) return;
      this.connect().catch((err: Error) => {
        this.opts.log.warn({ err: err.message, attempt: this.attempt }, 'relay listener cannot connect');
        this.schedule();
      });
    }, delayMs);
    this.retry.unref();
  }

  private async receive(payload: string): Promise<void> {
    try {
      let wire = JSON.parse(payload) as Wire;
      if (wire.type === 'stored') {
        if (wire.to !== this.opts.instanceId && wire.to !== '*') return;
        const id = wire.id;
        // Read once: a message for one instance is deleted as it is read; broadcasts age out (purge).
        const rows =
          wire.to === '*'
            ? await this.opts.driver.query(`SELECT payload FROM relay_messages WHERE id = $1`, [id])
            : await this.opts.driver.query(`DELETE FROM relay_messages WHERE id = $1 RETURNING payload`, [id]);
        const stored = rows[0]?.payload;
        if (typeof stored !== 'string') return;
        wire = JSON.parse(stored) as Wire;
        if (wire.type === 'stored') return;
      }
      this.onMessage(wire);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'relay message unreadable; dropped');
    }
  }
}
