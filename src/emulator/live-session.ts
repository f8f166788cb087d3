// The Live session a call runs with: the accept's session resolved with the API's defaults,
// session.update over that.

import type { SessionResource, SessionUpdateConfig } from 'openai/resources/live/live';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';

/** A Live session lasts at most this long (the Realtime limit; unverified for Live). */
export const liveSessionMaxSeconds = 3600;
const defaultInstructions = 'You are a helpful, friendly voice assistant.';

export function liveSessionResource(id: string, session: SessionAcceptParams.Session, epochSeconds: number): SessionResource {
  const delegation = session.delegation ?? { type: 'client' as const };
  return {
    id,
    expires_at: epochSeconds + liveSessionMaxSeconds,
    model: session.model,
    status: 'active',
    // "Omitted or blank instructions use server defaults."
    instructions: session.instructions?.trim() ? session.instructions : defaultInstructions,
    audio: { output: { voice: session.audio?.output?.voice ?? 'marin' } },
    delegation: { acknowledgement_delay_ms: delegation.type === 'decisions' ? 400 : 0, ...delegation },
    store: session.store ?? false,
    ...(session.input ? { input: session.input } : {}),
    ...(session.safety_identifier ? { safety_identifier: session.safety_identifier } : {}),
    ...(session.triggers ? { triggers: session.triggers } : {}),
  };
}

/** session.update: delegation settings merge (same type only, checked before), triggers replace. */
export function applyLiveSessionUpdate(current: SessionResource, update: SessionUpdateConfig): SessionResource {
  const next: SessionResource = { ...current };
  const delegation = update.delegation;
  if (delegation && current.delegation && delegation.type === current.delegation.type) {
    if (delegation.type === 'responses' && current.delegation.type === 'responses') {
      // ResponsesDelegationUpdateConfig is a sparse ResponsesDelegationConfig: omitted settings keep their values.
      next.delegation = {
        ...current.delegation,
        ...(delegation.acknowledgement_delay_ms !== undefined ? { acknowledgement_delay_ms: delegation.acknowledgement_delay_ms } : {}),
        responses: { ...current.delegation.responses, ...(delegation.responses as Partial<typeof current.delegation.responses>) },
      };
    } else {
      next.delegation = { ...current.delegation, ...delegation } as SessionResource['delegation'];
    }
  }
  if (update.triggers !== undefined) next.triggers = update.triggers;
  return next;
}

export function liveVoice(session: SessionResource | undefined): string {
  const voice = session?.audio?.output?.voice;
  return typeof voice === 'string' ? voice : voice ? voice.id : 'marin';
}

/** The function tools the delegated Responses model may call. */
export function delegationFunctionNames(session: SessionResource | undefined): string[] {
  const delegation = session?.delegation;
  if (delegation?.type !== 'responses') return [];
  return (delegation.responses.tools ?? []).flatMap((t) => (t.type === 'function' ? [t.name] : []));
}

export function delegationModel(session: SessionResource | undefined): string {
  const delegation = session?.delegation;
  return delegation?.type === 'responses' ? delegation.responses.model : '';
}

/** One timeline line for an accepted Live session. */
export function describeLiveSession(session: SessionResource): string {
  const delegation = session.delegation;
  const shown =
    delegation?.type === 'responses'
      ? `responses(${delegation.responses.model}) tools=[${delegationFunctionNames(session).join(',')}]`
      : (delegation?.type ?? 'client');
  return `live model=${session.model} voice=${liveVoice(session)} delegation=${shown} store=${session.store ? 'on' : 'off'}`;
}
