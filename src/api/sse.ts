import type { FastifyReply } from 'fastify';

/** One Server-Sent Events response. Fastify lets go of the reply; this owns the socket. */
export class SseStream {
  private readonly reply: FastifyReply;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(reply: FastifyReply, heartbeatMs: number) {
    this.reply = reply;
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    reply.raw.flushHeaders();
    // Comments keep proxies from closing an idle stream.
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), heartbeatMs).unref();
    reply.raw.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: string, data: unknown, id?: number): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHandlers.push(fn);
  }

  end(): void {
    if (this.closed) return;
    this.reply.raw.end();
    this.finish();
  }

  private write(chunk: string): void {
    if (!this.closed) this.reply.raw.write(chunk);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}
