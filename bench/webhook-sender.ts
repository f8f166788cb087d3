import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { delayedLink } from './net-link.ts';

export interface WebhookResult {
  status: number;
  /** performance.now() just before the request's bytes were handed to the (emulated) network. */
  sentAt: number;
  /** When the whole answer had arrived (after the emulated return trip). */
  answeredAt: number;
  body: string;
}

interface Conn {
  stream: Duplex;
  busy: boolean;
  buf: Buffer;
  pending: { resolve: (r: WebhookResult) => void; reject: (e: Error) => void; sentAt: number } | null;
}

/**
 * OpenAI's webhook deliveries, as bytes on kept-alive HTTP/1.1 connections: the
 * send time is taken right before the write, with nothing of a client library's
 * queueing in between. One request per connection at a time, as a delivery
 * system does.
 */
export class WebhookSender {
  private readonly host: string;
  private readonly port: number;
  private readonly rttMs: number;
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  /** Connections opened while sending (not warmed beforehand). */
  coldConnects = 0;

  constructor(url: URL, rttMs: number) {
    this.host = url.hostname;
    this.port = Number(url.port);
    this.rttMs = rttMs;
  }

  get connections(): number {
    return this.all.size;
  }

  /**
   * Opens connections ahead, so a burst does not pay for them. Each carries one
   * GET /health, as a primed pool's would (and an HTTP server treats a connection
   * that never carried a request as busy when it closes).
   */
  async warm(count: number): Promise<void> {
    const opened: Conn[] = [];
    for (let i = this.all.size; i < count; i++) opened.push(await this.open());
    await Promise.all(opened.map((c) => this.request(c, Buffer.from(`GET /health HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n\r\n`))));
    // request() put them back in the idle list.
  }

  /** onSent gets the send time the moment the bytes are written. */
  async send(path: string, headers: Record<string, string>, body: string, onSent?: (sentAt: number) => void): Promise<WebhookResult> {
    let conn = this.idle.pop();
    if (!conn) {
      this.coldConnects++;
      conn = await this.open();
    }
    const head = [
      `POST ${path} HTTP/1.1`,
      `host: ${this.host}:${this.port}`,
      'connection: keep-alive',
      `content-length: ${Buffer.byteLength(body)}`,
    ];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    return this.request(conn, Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`), onSent);
  }

  private request(c: Conn, bytes: Buffer, onSent?: (sentAt: number) => void): Promise<WebhookResult> {
    return new Promise<WebhookResult>((resolve, reject) => {
      c.busy = true;
      const sentAt = performance.now();
      c.pending = { resolve, reject, sentAt };
      onSent?.(sentAt);
      c.stream.write(bytes);
    });
  }

  close(): void {
    for (const c of this.all) c.stream.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private open(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const raw = connect({ host: this.host, port: this.port, noDelay: true });
      raw.once('error', reject);
      raw.once('connect', () => {
        raw.off('error', reject);
        // The connect itself is loopback-fast; a warmed connection has paid its handshake already.
        const stream: Duplex = this.rttMs > 0 ? delayedLink(raw, { rttMs: this.rttMs, handshake: false }) : raw;
        const conn: Conn = { stream, busy: false, buf: Buffer.alloc(0), pending: null };
        stream.on('data', (chunk: Buffer) => this.onData(conn, chunk));
        stream.on('error', () => {});
        stream.on('close', () => {
          this.all.delete(conn);
          const i = this.idle.indexOf(conn);
          if (i >= 0) this.idle.splice(i, 1);
          conn.pending?.reject(new Error('webhook connection closed'));
          conn.pending = null;
        });
        this.all.add(conn);
        resolve(conn);
      });
    });
  }

  private onData(conn: Conn, chunk: Buffer): void {
    conn.buf = conn.buf.length === 0 ? chunk : Buffer.concat([conn.buf, chunk]);
    const end = conn.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = conn.buf.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const length = lengthMatch ? Number(lengthMatch[1]) : 0;
    if (conn.buf.length < end + 4 + length) return;
    const body = conn.buf.subarray(end + 4, end + 4 + length).toString('utf8');
    conn.buf = conn.buf.subarray(end + 4 + length);
    const pending = conn.pending;
    conn.pending = null;
    conn.busy = false;
    if (/\r\nconnection:\s*close/i.test(head)) conn.stream.destroy();
    else this.idle.push(conn);
    pending?.resolve({ status, sentAt: pending.sentAt, answeredAt: performance.now(), body });
  }
}
