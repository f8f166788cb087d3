// The floor for memory per live call: a process holding N bare WebSocket clients over TLS
// (the `ws` package, as the SDK uses), receiving the same event stream as calls and doing
// nothing with it beyond what ws does. Run with --expose-gc, NODE_EXTRA_CA_CERTS set;
// argv: <wss url> <count>. Prints one JSON line.
import { WebSocket } from 'ws';

const [url = '', countArg = '100'] = process.argv.slice(2);
const count = Number(countArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const open = (i: number) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url}?call_id=ref_${i}`, {
      perMessageDeflate: false,
      headers: { authorization: `Bearer ${process.env.BENCH_API_KEY}` },
    });
    ws.on('message', () => {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });

async function settled(): Promise<NodeJS.MemoryUsage> {
  gc!();
  await new Promise((r) => setTimeout(r, 300));
  gc!();
  return process.memoryUsage();
}

// One socket first, so code and TLS context are loaded before the baseline.
const first = await open(-1);
first.close();
await new Promise((r) => setTimeout(r, 200));
const base = await settled();
const sockets: WebSocket[] = [];
for (let i = 0; i < count; i += 50)
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(i + j)))));
await new Promise((r) => setTimeout(r, count >= 100 ? 2000 : 300)); // events flowing on every socket
const held = await settled();
process.stdout.write(
  `${JSON.stringify({ sockets: sockets.length, rssPerSocketKB: (held.rss - base.rss) / count / 1024, heapPerSocketKB: (held.heapUsed - base.heapUsed) / count / 1024, heapTotalPerSocketKB: (held.heapTotal - base.heapTotal) / count / 1024 })}\n`,
);
for (const s of sockets) s.terminate();
process.exit(0);
