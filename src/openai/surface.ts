// The two OpenAI APIs a SIP call can be served by, and what differs between them that
// configuration needs to know (models, voices). Shapes come from the installed SDK.
import type { BuiltInVoice } from 'openai/resources/live/live';

export const surfaces = ['realtime', 'live'] as const;
export type Surface = (typeof surfaces)[number];

export const defaultRealtimeModel = 'gpt-realtime-2.1';
export const defaultLiveModel = 'gpt-live-1';
/** Transcribes the caller on Realtime (gpt-4o-mini-transcribe shuts down on 2027-02-26). */
export const defaultTranscriptionModel = 'gpt-transcribe';
/** The Responses model that runs a Live agent's tools (fast: the caller waits for it). */
export const defaultDelegationModel = 'gpt-5.4-mini';

type Exhaustive<U extends string> = <const V extends readonly U[]>(
  values: V & ([Exclude<U, V[number]>] extends [never] ? unknown : { missing: Exclude<U, V[number]> }),
) => readonly string[];
/** Every member of a string-literal union, checked by tsc both ways (an SDK upgrade that adds one fails here). */
const all =
  <U extends string>(): Exhaustive<U> =>
  (values) =>
    values;

/** The SDK types Realtime's voice as `string | …` (the names collapse into string), so this list is the one its docs give. */
export const realtimeVoices: readonly string[] = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'];
export const liveVoices = all<BuiltInVoice>()([
  'alloy',
  'ash',
  'ballad',
  'beacon',
  'bossa',
  'cedar',
  'cinder',
  'coral',
  'delta',
  'echo',
  'gleam',
  'marin',
  'meridian',
  'quartz',
  'ripple',
  'sage',
  'shida',
  'shimmer',
  'stone',
  'tempo',
  'verse',
  'vesper',
  'willow',
]);

export const voicesFor = (surface: Surface): readonly string[] => (surface === 'live' ? liveVoices : realtimeVoices);

/** A model name that plainly belongs to the other surface (the accept would be refused). */
export function modelSurfaceMismatch(model: string, surface: Surface): string | null {
  if (surface === 'live' && /^gpt-realtime/.test(model))
    return `"${model}" is a Realtime model; a Live agent needs a Live model such as ${defaultLiveModel}`;
  if (surface === 'realtime' && /^gpt-live/.test(model))
    return `"${model}" is a GPT-Live model; a Realtime agent needs a Realtime model such as ${defaultRealtimeModel}`;
  return null;
}
