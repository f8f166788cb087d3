import { describe, expect, it } from 'vitest';
import { callCost } from './call-cost.ts';
import { builtInPrices, priceOf, withOverrides } from './price-table.ts';
import { addRealtimeUsage, addTranscriptionUsage, emptyUsageDetail, setLiveSeconds } from './usage.ts';

describe('usage folding', () => {
  it('splits cached tokens out of the input, per modality', () => {
    const u = emptyUsageDetail();
    addRealtimeUsage(u, {
      input_tokens: 1_300,
      output_tokens: 600,
      total_tokens: 1_900,
      input_token_details: {
        text_tokens: 1_000,
        audio_tokens: 300,
        cached_tokens: 700,
        cached_tokens_details: { text_tokens: 600, audio_tokens: 100 },
      },
      output_token_details: { text_tokens: 100, audio_tokens: 500 },
    });
    expect(u.realtime).toEqual({
      textIn: 400,
      cachedTextIn: 600,
      audioIn: 200,
      cachedAudioIn: 100,
      imageIn: 0,
      cachedImageIn: 0,
      textOut: 100,
      audioOut: 500,
    });
  });

  it('puts an unattributed cached total on text first; sums transcription tokens and seconds; keeps the largest Live total', () => {
    const u = emptyUsageDetail();
    addRealtimeUsage(u, {
      input_tokens: 100,
      input_token_details: { text_tokens: 50, audio_tokens: 50, cached_tokens: 70 },
      output_tokens: 0,
    });
    expect(u.realtime).toMatchObject({ textIn: 0, cachedTextIn: 50, audioIn: 30, cachedAudioIn: 20 });
    addTranscriptionUsage(u, {
      type: 'tokens',
      input_tokens: 40,
      output_tokens: 9,
      total_tokens: 49,
      input_token_details: { audio_tokens: 38, text_tokens: 2 },
    });
    addTranscriptionUsage(u, { type: 'duration', seconds: 4.5 });
    expect(u.transcription).toEqual({ textIn: 2, audioIn: 38, out: 9, seconds: 4.5 });
    setLiveSeconds(u, 30);
    setLiveSeconds(u, 12);
    expect(u.liveSeconds).toBe(30);
  });
});

describe('callCost', () => {
  it('prices known usage against the table: gpt-realtime audio and text, cached, transcription and the analysis', () => {
    const u = emptyUsageDetail();
    u.realtime = {
      textIn: 10_000,
      cachedTextIn: 20_000,
      audioIn: 5_000,
      cachedAudioIn: 1_000,
      imageIn: 0,
      cachedImageIn: 0,
      textOut: 2_000,
      audioOut: 8_000,
    };
    u.transcription = { textIn: 0, audioIn: 4_000, out: 1_000, seconds: 0 };
    const cost = callCost(
      {
        model: 'gpt-realtime-2025-08-28', // a dated snapshot costs what its alias costs
        transcriptionModel: 'gpt-4o-mini-transcribe',
        usage: u,
        analysis: { model: 'gpt-6-luna', tokens: { inputTokens: 3_000, cachedTokens: 1_000, cacheWriteTokens: 0, outputTokens: 400 } },
      },
      builtInPrices,
    );
    // text: 10k × $4 + 20k × $0.40 + 2k × $16 = 0.04 + 0.008 + 0.032; audio: 5k × $32 + 1k × $0.40 + 8k × $64 = 0.16 + 0.0004 + 0.512
    expect(cost.realtimeUsd).toBe(0.7524);
    // 4k audio × $1.25 + 1k out × $5
    expect(cost.transcriptionUsd).toBe(0.01);
    // 2k × $0.10 + 1k × $0.01 + 400 × $0.50 per 1M
    expect(cost.analysisUsd).toBe(0.00041);
    expect(cost.liveUsd).toBe(0);
    expect(cost.totalUsd).toBe(0.76281);
    expect(cost.unpriced).toEqual([]);
    expect(cost.pricesCheckedOn).toBe(builtInPrices.checkedOn);
  });

  it('prices GPT-Live by the minute, and names models the table does not know', () => {
    const u = emptyUsageDetail();
    setLiveSeconds(u, 90);
    u.transcription.seconds = 60;
    const cost = callCost({ model: 'gpt-live-1', transcriptionModel: 'some-new-transcriber', usage: u }, builtInPrices);
    expect(cost.liveUsd).toBe(0.075);
    expect(cost.transcriptionUsd).toBe(0);
    expect(cost.unpriced).toEqual(['some-new-transcriber']);
    expect(cost.totalUsd).toBe(0.075);
  });

  it('uses the profile file’s prices over the built-in ones', () => {
    const table = withOverrides(builtInPrices, { 'gpt-realtime': { audio: { input: 1, output: 2 } } });
    expect(table.overridden).toEqual(['gpt-realtime']);
    expect(priceOf(table, 'gpt-realtime')).toEqual({ audio: { input: 1, output: 2 } });
    const u = emptyUsageDetail();
    u.realtime.audioIn = 1_000_000;
    u.realtime.audioOut = 1_000_000;
    u.realtime.textIn = 1_000_000; // no text price in the override: free, as the operator said
    expect(callCost({ model: 'gpt-realtime', transcriptionModel: null, usage: u }, table).realtimeUsd).toBe(3);
    expect(priceOf(builtInPrices, 'gpt-realtime')?.audio?.input).toBe(32);
  });
});
