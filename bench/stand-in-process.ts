// Entry of the stand-in's own process: bench/run.ts drives it over the IPC channel.
import { StandIn, type StandInOptions } from './stand-in.ts';

interface Command {
  id: number;
  cmd: string;
  args: unknown[];
}

let standIn: StandIn | null = null;

const commands: Record<string, (...args: any[]) => unknown> = {
  async init(opts: StandInOptions) {
    standIn = new StandIn(opts);
    return standIn.start();
  },
  setWebhookUrl: (url: string) => standIn!.setWebhookUrl(url),
  setWebhookUrls: (urls: string[]) => standIn!.setWebhookUrls(urls),
  setDelivery: (mode: 'spread' | 'all') => standIn!.setDelivery(mode),
  setTakeover: (on: boolean) => standIn!.setTakeover(on),
  resetTakeovers: () => standIn!.resetTakeovers(),
  takeoverReport: () => standIn!.takeoverReport(),
  takeoverCounts: () => standIn!.takeoverCounts(),
  liveCallIds: () => standIn!.liveCallIds(),
  warmWebhooks: (n: number) => standIn!.warmWebhooks(n),
  answerBurst: (n: number, holdMs: number) => standIn!.answerBurst(n, holdMs),
  answerSteady: (rate: number, seconds: number, holdMs: number) => standIn!.answerSteady(rate, seconds, holdMs),
  holdLive: (count: number, rampPerSec: number, eventsPerSec: number, timeoutMs?: number) =>
    standIn!.holdLive(count, rampPerSec, eventsPerSec, timeoutMs),
  transfers: (perSec: number) => standIn!.transfers(perSec),
  hangupAll: (timeoutMs?: number) => standIn!.hangupAll(timeoutMs),
  resetWindow: () => standIn!.resetWindow(),
  report: () => standIn!.report(),
  connectionReport: () => standIn!.connectionReport(),
  async close() {
    await standIn?.close();
    setImmediate(() => process.exit(0));
  },
};

process.on('message', (msg: Command) => {
  const run = commands[msg.cmd];
  Promise.resolve()
    .then(() => {
      if (!run) throw new Error(`unknown command ${msg.cmd}`);
      return run(...msg.args);
    })
    .then(
      (result) => process.send!({ id: msg.id, ok: true, result }),
      (err: Error) => process.send!({ id: msg.id, ok: false, error: err.stack ?? err.message }),
    );
});
process.on('disconnect', () => process.exit(0));
