import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { RecordingDownloader } from './recording-downloader.ts';
import { RecordingFiles } from './recording-files.ts';

const log = createLogger('silent');
const files = () => new RecordingFiles(join(mkdtempSync(join(tmpdir(), 'sb-rec-')), 'recordings'));
const accepted = (callId: string, recording: boolean) =>
  ({ type: 'call.accepted', callId, recording, surface: 'live', parties: { caller: null, dialed: null, sipCallId: null, contact: null }, sipHeaders: [], profile: 'p', webhookReceivedAt: 0, acceptedAt: 0, answerMs: 1, attempts: 1 }) as const;
const ended = (callId: string) => ({ type: 'call.ended', callId, reason: 'caller_hangup', endedAt: 0 }) as const;

describe('RecordingFiles', () => {
  it('writes whole files under safe names only, and purges the old ones', async () => {
    const f = files();
    expect(f.path('../etc/passwd')).toBeNull();
    expect(await f.write('live_1', Readable.from([Buffer.from('RIFF'), Buffer.from('data')]))).toBe(8);
    expect(readFileSync(f.path('live_1') ?? '', 'latin1')).toBe('RIFFdata');
    await f.write('live_2', Readable.from([Buffer.from('x')]));
    const old = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(f.path('live_1') ?? '', old, old);
    writeFileSync(join(f.dir, 'notes.txt'), 'not a recording');
    expect(await f.purge(new Date(Date.now() - 86_400_000))).toBe(1);
    expect((await readdir(f.dir)).sort()).toEqual(['live_2.wav', 'notes.txt']);
    expect(await f.size('live_1')).toBeNull();
  });
});

describe('RecordingDownloader', () => {
  it('downloads the recording of a stored call after it ends, retrying failures with backoff', async () => {
    const clock = new ManualClock();
    const f = files();
    const tries: string[] = [];
    const answers = [503, 409];
    const results: string[] = [];
    const d = new RecordingDownloader({
      files: f,
      log,
      clock,
      firstDelayMs: 1_000,
      backoff: { baseMs: 100, maxMs: 100 },
      async download(id) {
        tries.push(id);
        const status = answers.shift();
        if (status) throw Object.assign(new Error(`status ${status}`), { status });
        return new Response('RIFF…WAVE');
      },
      onResult: (r, id) => results.push(`${r} ${id}`),
    });
    d.observe(accepted('live_a', true));
    d.observe(accepted('live_b', false));
    d.observe(ended('live_b'));
    d.observe(ended('live_a'));
    expect(tries).toEqual([]); // off the call path: nothing ran yet
    await clock.advanceAsync(1_000);
    await clock.run(d.whenIdle());
    expect(tries).toEqual(['live_a', 'live_a', 'live_a']);
    expect(results).toEqual(['saved live_a']);
    expect(await f.size('live_a')).toBe(Buffer.byteLength('RIFF…WAVE'));
    expect(await f.size('live_b')).toBeNull();
  });

  it('gives up after its attempts (at once on 401), and shutdown gives waiting downloads one last try', async () => {
    const clock = new ManualClock();
    const results: string[] = [];
    const failing = new RecordingDownloader({
      files: files(),
      log,
      clock,
      attempts: 3,
      backoff: { baseMs: 10, maxMs: 10 },
      download: async () => {
        throw Object.assign(new Error('not ready'), { status: 404 });
      },
      onResult: (r) => results.push(r),
    });
    failing.enqueue('live_x');
    await clock.run(failing.whenIdle());
    expect(results).toEqual(['failed']);

    let calls = 0;
    const refused = new RecordingDownloader({ files: files(), log, clock, download: async () => { calls++; throw Object.assign(new Error('bad key'), { status: 401 }); } });
    refused.enqueue('live_y');
    await clock.run(refused.whenIdle());
    expect(calls).toBe(1);

    const f = files();
    const later = new RecordingDownloader({ files: f, log, clock, firstDelayMs: 60_000, download: async () => new Response('RIFF') });
    later.observe(accepted('live_z', true));
    later.observe(ended('live_z'));
    await later.drain(1_000);
    expect(await f.size('live_z')).toBe(4);
  });

  it('a call taken back here (restart, takeover) is downloaded when it ends; one handed over to another instance is not', async () => {
    const clock = new ManualClock();
    const tries: string[] = [];
    const d = new RecordingDownloader({ files: files(), log, clock, firstDelayMs: 10, download: async (id) => {
      tries.push(id);
      return new Response('RIFF');
    } });
    d.track('live_back');
    d.observe(accepted('live_gone', true));
    d.forget('live_gone');
    d.observe(ended('live_gone'));
    d.observe(ended('live_back'));
    await clock.advanceAsync(10);
    await clock.run(d.whenIdle());
    expect(tries).toEqual(['live_back']);
  });
});
