// The caller's side: speech the server sees as VAD and transcription events, and keypad presses.
import type { LiveCall } from './call-state.ts';
import { newItemId } from './ids.ts';
import { deltasOf, reportUsage } from './live-model.ts';
import { inputTranscriptDelta, dtmfReceived as liveDtmfReceived } from './live-server-events.ts';
import { audioCommitted, dtmfReceived, speechStarted, speechStopped, transcriptionCompleted } from './server-events.ts';
import { transcriptionOn } from './session.ts';

const previousItems = new WeakMap<LiveCall, string>();

/** ms of audio since the call was answered, as VAD events count it. */
function audioMs(call: LiveCall): number {
  const accepted = call.record.accepts.find((a) => a.status === 200);
  return Math.max(0, Math.round(call.clock.now() - (accepted?.answeredAt ?? call.record.createdAt)));
}

/**
 * speech_started, (speechMs later) speech_stopped, committed, and the transcript
 * only when the session transcribes input (it is off unless the accept set it).
 */
export async function callerSays(call: LiveCall, text: string, speechMs: number): Promise<void> {
  if (call.isLive) return callerSaysLive(call, text, speechMs);
  const itemId = newItemId();
  const startMs = audioMs(call);
  call.send(speechStarted(itemId, startMs));
  if (!(await call.sleep(speechMs))) return;
  const endMs = audioMs(call);
  call.send(speechStopped(itemId, endMs));
  call.send(audioCommitted(itemId, previousItems.get(call) ?? null));
  previousItems.set(call, itemId);
  call.record.transcript.push({ at: call.clock.now(), speaker: 'caller', text });
  if (transcriptionOn(call.record.session)) {
    call.send(transcriptionCompleted(itemId, text, Math.max(0.1, (endMs - startMs) / 1000)));
    call.note('caller', `"${text}"`);
  } else {
    call.note('caller', `"${text}" (not transcribed: transcription is off)`);
  }
  call.changed();
}

/**
 * Live: the caller's words arrive as session.input_transcript.delta over the utterance, with their
 * place on the session timeline. Input that is muted, or arrives while a fixture plays, is dropped.
 */
async function callerSaysLive(call: LiveCall, text: string, speechMs: number): Promise<void> {
  call.live.startUtterance();
  const startMs = call.sessionMs();
  const parts = deltasOf(text);
  const partMs = speechMs / parts.length;
  let heard = '';
  for (const [i, part] of parts.entries()) {
    if (i > 0 && !(await call.sleep(partMs))) return;
    if (call.live.inputMuted || call.live.fixture) continue;
    heard += part;
    call.sendLive(inputTranscriptDelta(part, Math.round(startMs + i * partMs), Math.round(startMs + (i + 1) * partMs)));
  }
  if (!(await call.sleep(partMs))) return;
  call.record.speech.push({ speaker: 'caller', startMs, endMs: call.sessionMs() });
  call.record.transcript.push({ at: call.clock.now(), speaker: 'caller', text });
  call.note('caller', heard.trim() === text ? `"${text}"` : `"${text}" (heard "${heard.trim()}": input muted or a fixture playing)`);
  reportUsage(call);
  call.changed();
}

export async function callerPresses(call: LiveCall, digits: string, gapMs = 50): Promise<void> {
  for (const digit of digits) {
    if (call.isEnded) return;
    if (call.isLive) call.sendLive(liveDtmfReceived(digit));
    else call.send(dtmfReceived(digit, Math.floor(call.clock.epochMs() / 1000)));
    call.record.dtmf.push({ at: call.clock.now(), digit });
    call.note('dtmf', `caller pressed ${digit}`);
    if (!(await call.sleep(gapMs))) return;
  }
}
