// The recording of a stored Live session: a stereo PCM16 WAV, caller left, agent right. The emulator
// has no audio, so each side carries a quiet tone while it spoke and silence otherwise.
import type { CallRecord } from './call-record.ts';

export const recordingSampleRate = 24_000;
const maxSeconds = 600;
const tones = { caller: 440, agent: 660 } as const;
const amplitude = 0.2 * 32767;

/** A canonical 44-byte WAV header for PCM16 audio. */
export function wavHeader(dataBytes: number, channels: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

export function recordingWav(record: CallRecord): Buffer {
  const accepted = record.accepts.find((a) => a.surface === 'live' && a.status === 200);
  const startedAt = accepted?.receivedAt ?? record.createdAt;
  const durationMs = Math.min(maxSeconds * 1000, Math.max(0, (record.endedAt ?? startedAt) - startedAt));
  const frames = Math.round((durationMs / 1000) * recordingSampleRate);
  const samples = new Int16Array(frames * 2);
  const intervals = [
    ...record.speech,
    // Clips played into the call are on the agent's side too.
    ...record.fixtures.map((f) => ({
      speaker: 'agent' as const,
      startMs: f.at - startedAt,
      endMs: (f.doneAt ?? f.at + f.durationMs) - startedAt,
    })),
  ];
  for (const { speaker, startMs, endMs } of intervals) {
    const channel = speaker === 'caller' ? 0 : 1;
    const from = Math.max(0, Math.floor((startMs / 1000) * recordingSampleRate));
    const to = Math.min(frames, Math.ceil((endMs / 1000) * recordingSampleRate));
    const step = (2 * Math.PI * tones[speaker]) / recordingSampleRate;
    for (let i = from; i < to; i++) samples[i * 2 + channel] = Math.round(amplitude * Math.sin(step * i));
  }
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return Buffer.concat([wavHeader(data.length, 2, recordingSampleRate), data]);
}
