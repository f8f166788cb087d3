// GET /v1/models and /v1/models/{model}: the models a project sees, with the shutdown
// dates the SDK's own documentation announces (resources/realtime/realtime.d.ts).
import type { Model } from 'openai/resources/models';

const created = 1_756_339_200;

/** id → announced shutdown date (null: none announced). */
const catalog: ReadonlyArray<readonly [string, string | null]> = [
  ['gpt-realtime', '2027-01-20'],
  ['gpt-realtime-mini', '2027-01-20'],
  ['gpt-realtime-1.5', null],
  ['gpt-realtime-2', null],
  ['gpt-realtime-2.1', null],
  ['gpt-realtime-2.1-mini', null],
  ['gpt-live-1', null],
  // What a GPT-Live agent delegates its tools to (Switchboard's default).
  ['gpt-5.4-mini', null],
  ['gpt-4o-mini-transcribe', '2027-02-26'],
  ['gpt-4o-transcribe', '2027-02-26'],
  ['whisper-1', '2027-02-26'],
  ['gpt-transcribe', null],
  ['gpt-live-transcribe', null],
];

export const emulatedModels: readonly Model[] = catalog.map(([id, shutdown]) => ({
  id,
  object: 'model',
  created,
  owned_by: 'system',
  shutdown_date: shutdown,
}));

export function findModel(id: string): Model | undefined {
  return emulatedModels.find((m) => m.id === id);
}
