// What a call used, in the units it is billed in, summed from the API's own usage reports.
import type { ConversationItemInputAudioTranscriptionCompletedEvent, RealtimeResponseUsage } from 'openai/resources/realtime/realtime';

export type TranscriptionUsageReport = ConversationItemInputAudioTranscriptionCompletedEvent['usage'];

/** Realtime model tokens. `…In` counts exclude the cached ones, which are billed apart. */
export interface RealtimeTokens {
  textIn: number;
  cachedTextIn: number;
  audioIn: number;
  cachedAudioIn: number;
  imageIn: number;
  cachedImageIn: number;
  textOut: number;
  audioOut: number;
}

export interface TranscriptionUsage {
  textIn: number;
  audioIn: number;
  out: number;
  /** Duration-billed transcription models report seconds instead of tokens. */
  seconds: number;
}

export interface CallUsageDetail {
  realtime: RealtimeTokens;
  transcription: TranscriptionUsage;
  /** GPT-Live: the session's audio seconds (reported cumulatively). */
  liveSeconds: number;
}

export function emptyUsageDetail(): CallUsageDetail {
  return {
    realtime: { textIn: 0, cachedTextIn: 0, audioIn: 0, cachedAudioIn: 0, imageIn: 0, cachedImageIn: 0, textOut: 0, audioOut: 0 },
    transcription: { textIn: 0, audioIn: 0, out: 0, seconds: 0 },
    liveSeconds: 0,
  };
}

const n = (v: number | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** Adds one response.done usage. Cached tokens are a subset of the input tokens (per modality when the API says which). */
export function addRealtimeUsage(detail: CallUsageDetail, usage: RealtimeResponseUsage): void {
  const r = detail.realtime;
  const input = usage.input_token_details ?? {};
  const cached = input.cached_tokens_details;
  let cachedText = n(cached?.text_tokens);
  let cachedAudio = n(cached?.audio_tokens);
  const cachedImage = n(cached?.image_tokens);
  const text = n(input.text_tokens);
  const audio = n(input.audio_tokens);
  const image = n(input.image_tokens);
  // Only a total given: text first (it is what gets cached most), then audio.
  const unattributed = n(input.cached_tokens) - cachedText - cachedAudio - cachedImage;
  if (!cached && unattributed > 0) {
    cachedText = Math.min(text, unattributed);
    cachedAudio = Math.min(audio, unattributed - cachedText);
  }
  r.textIn += Math.max(0, text - cachedText);
  r.cachedTextIn += cachedText;
  r.audioIn += Math.max(0, audio - cachedAudio);
  r.cachedAudioIn += cachedAudio;
  r.imageIn += Math.max(0, image - cachedImage);
  r.cachedImageIn += cachedImage;
  // No breakdown at all (older servers): input counts as text.
  if (!usage.input_token_details) r.textIn += n(usage.input_tokens);
  const output = usage.output_token_details;
  if (output) {
    r.textOut += n(output.text_tokens);
    r.audioOut += n(output.audio_tokens);
  } else {
    r.textOut += n(usage.output_tokens);
  }
}

export function addTranscriptionUsage(detail: CallUsageDetail, usage: TranscriptionUsageReport): void {
  const t = detail.transcription;
  if (usage.type === 'duration') {
    t.seconds += n(usage.seconds);
    return;
  }
  const audio = n(usage.input_token_details?.audio_tokens);
  const text = usage.input_token_details ? n(usage.input_token_details.text_tokens) : 0;
  t.audioIn += usage.input_token_details ? audio : n(usage.input_tokens);
  t.textIn += text;
  t.out += n(usage.output_tokens);
}

/** GPT-Live reports the session's total so far: keep the largest. */
export function setLiveSeconds(detail: CallUsageDetail, seconds: number): void {
  detail.liveSeconds = Math.max(detail.liveSeconds, n(seconds));
}
