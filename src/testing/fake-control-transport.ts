import type { RealtimeClientEvent, RealtimeResponse, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ControlCloseInfo, ControlHandlers, ControlTransport } from '../session/control-transport.ts';

/** One simulated control socket: the test plays the server side. */
export class FakeControlSocket {
  readonly sent: RealtimeClientEvent[] = [];
  closed = false;
  private readonly handlers: ControlHandlers;

  constructor(handlers: ControlHandlers) {
    this.handlers = handlers;
  }

  open(): void {
    this.handlers.onOpen();
  }

  push(event: RealtimeServerEvent): void {
    this.handlers.onEvent(event);
  }

  /** The model runs one whole response: response.created, then response.done. */
  finishResponse(id: string, metadata: Record<string, string> | null = null): void {
    const response: RealtimeResponse = { id, object: 'realtime.response', status: 'completed', metadata, output: [] };
    this.push({ type: 'response.created', event_id: `evt_${id}_c`, response });
    this.push({ type: 'response.done', event_id: `evt_${id}_d`, response });
  }

  /** The server side closes (1000: call over; 1006: dropped; httpStatus: refused upgrade). */
  drop(info: ControlCloseInfo = { code: 1006 }): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose(info);
  }
}

/** An in-memory ControlTransport for unit tests of code that drives a call's control socket. */
export class FakeControlTransport implements ControlTransport {
  readonly sockets: FakeControlSocket[] = [];
  /** Open each socket as soon as it is created (default), or leave it to the test. */
  autoOpen = true;

  connect(_callId: string, handlers: ControlHandlers) {
    const socket = new FakeControlSocket(handlers);
    this.sockets.push(socket);
    if (this.autoOpen) queueMicrotask(() => socket.open());
    return {
      send: (event: RealtimeClientEvent) => void socket.sent.push(event),
      close: () => socket.drop({ code: 1000 }),
    };
  }

  get last(): FakeControlSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no control socket was opened');
    return socket;
  }
}
