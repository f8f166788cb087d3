// A WAV file as GPT-Live's session.output_audio.fixture.play takes it: raw PCM16
// little-endian, 24 kHz, mono, at most 30 seconds (the header is stripped).

export const clipSampleRate = 24_000;
export const clipMaxMs = 30_000;

export type ClipResult = { ok: true; pcm: Buffer; durationMs: number } | { ok: false; problem: string };

/** Reads the WAV's fmt and data chunks; anything but PCM16 24 kHz mono up to 30 s is refused, with the reason. */
export function readWavClip(file: Buffer): ClipResult {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    return { ok: false, problem: 'not a WAV file (no RIFF/WAVE header)' };
  }
  let format: { code: number; channels: number; rate: number; bits: number } | null = null;
  let data: Buffer | null = null;
  for (let at = 12; at + 8 <= file.length; ) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = file.subarray(at + 8, Math.min(file.length, at + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      format = { code: body.readUInt16LE(0), channels: body.readUInt16LE(2), rate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      data = body;
      break;
    }
    at += 8 + size + (size % 2); // chunks are word-aligned
  }
  if (!format) return { ok: false, problem: 'the WAV file has no fmt chunk' };
  const wanted = 'PCM16, 24 kHz, mono';
  // 0xFFFE (WAVE_FORMAT_EXTENSIBLE) can carry PCM too; its sub-format is not read here.
  if (format.code !== 1) return { ok: false, problem: `not uncompressed PCM (format ${format.code}); convert it to ${wanted}` };
  if (format.bits !== 16) return { ok: false, problem: `${format.bits}-bit samples; convert it to ${wanted}` };
  if (format.channels !== 1) return { ok: false, problem: `${format.channels} channels; convert it to ${wanted}` };
  if (format.rate !== clipSampleRate) return { ok: false, problem: `${format.rate} Hz; convert it to ${wanted}` };
  if (!data || data.length === 0) return { ok: false, problem: 'the WAV file has no audio' };
  const pcm = data.length % 2 === 0 ? data : data.subarray(0, data.length - 1);
  const durationMs = Math.round((pcm.length / 2 / clipSampleRate) * 1000);
  if (durationMs > clipMaxMs) return { ok: false, problem: `${(durationMs / 1000).toFixed(1)} s long; a clip is at most 30 s` };
  return { ok: true, pcm: Buffer.from(pcm), durationMs };
}

/** A WAV file around PCM16 samples (tests, the demo's clips). */
export function wavFile(pcm: Buffer, opts: { sampleRate?: number; channels?: number } = {}): Buffer {
  const sampleRate = opts.sampleRate ?? clipSampleRate;
  const channels = opts.channels ?? 1;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
