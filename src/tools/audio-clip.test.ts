import { describe, expect, it } from 'vitest';
import { readWavClip, wavFile } from './audio-clip.ts';

const ms = (n: number) => Buffer.alloc(n * 48);

describe('readWavClip', () => {
  it('takes PCM16 24 kHz mono up to 30 s and strips the header', () => {
    const clip = readWavClip(wavFile(ms(250)));
    expect(clip).toEqual({ ok: true, pcm: ms(250), durationMs: 250 });
  });

  it.each([
    ['not a WAV', Buffer.from('ID3 mp3 data here'), 'not a WAV file'],
    ['stereo', wavFile(ms(100), { channels: 2 }), '2 channels'],
    ['8 kHz', wavFile(ms(100), { sampleRate: 8000 }), '8000 Hz'],
    ['too long', wavFile(ms(30_001)), 'at most 30 s'],
    ['empty', wavFile(Buffer.alloc(0)), 'no audio'],
  ])('refuses %s', (_label, file, problem) => {
    const clip = readWavClip(file);
    expect(clip.ok).toBe(false);
    if (!clip.ok) expect(clip.problem).toContain(problem);
  });

  it('skips chunks it does not know (LIST, fact) before data', () => {
    const plain = wavFile(ms(10));
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.alloc(1)]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    expect(readWavClip(withList)).toMatchObject({ ok: true, durationMs: 10 });
  });
});
