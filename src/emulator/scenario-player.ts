// Plays a scenario on a call: waits for the accept, the socket and the greeting, then runs the steps.
import type { LiveCall } from './call-state.ts';
import { callerPresses, callerSays } from './caller.ts';
import { emitLiveFunctionCall, speakLive } from './live-model.ts';
import { emitFunctionCall, startResponse } from './model-simulator.ts';
import type { Step } from './scenario.ts';

export interface PlayerOptions {
  /** How long an agent utterance plays. */
  playbackMs: number;
  /** How long the player waits for a response.create that follows a tool output. */
  followUpWaitMs?: number;
}

const idle = (call: LiveCall) => () => call.isQuiet;

/** Before a step: the server must have a socket open (after a drop it should reconnect). */
async function ensureSocket(call: LiveCall): Promise<void> {
  if (call.openSocketCount > 0) return;
  const ok = await call.waitUntil(() => call.openSocketCount > 0, call.scenario.socketTimeoutMs);
  if (!ok && !call.isEnded) call.issue(`no control socket open for ${call.scenario.socketTimeoutMs} ms; events go unseen`);
}

async function runStep(call: LiveCall, step: Step, opts: PlayerOptions): Promise<void> {
  const { scenario } = call;
  switch (step.kind) {
    case 'say':
      await callerSays(call, step.text, scenario.speechMs);
      return;
    case 'reply':
      if (call.isLive) speakLive(call, 'reply', step.text, opts.playbackMs);
      else startResponse(call, 'reply', step.text, opts.playbackMs);
      await call.waitUntil(idle(call));
      return;
    case 'call': {
      const fn = call.isLive
        ? emitLiveFunctionCall(call, step.name, step.arguments, opts.playbackMs)
        : emitFunctionCall(call, step.name, step.arguments);
      if (!fn) return;
      const answered = await call.waitUntil(() => fn.outputs.length > 0, scenario.toolTimeoutMs);
      if (call.isEnded) return;
      if (!answered) {
        call.issue(`no function_call_output for ${fn.name} (${fn.callId}) within ${scenario.toolTimeoutMs} ms`);
        return;
      }
      // The server usually follows a tool output with response.create: let that play out first.
      await call.waitUntil(() => !call.isQuiet, opts.followUpWaitMs ?? 300);
      await call.waitUntil(idle(call));
      return;
    }
    case 'dtmf':
      await callerPresses(call, step.digits);
      return;
    case 'wait':
      await call.sleep(step.ms);
      return;
    case 'drop': {
      const dropped = call.dropSockets();
      call.note('socket', `dropped ${dropped} connection${dropped === 1 ? '' : 's'} (no close frame)`);
      return;
    }
    case 'hangup':
      call.note('caller', 'caller hung up');
      call.end('caller');
      return;
    case 'frame':
    case 'raw':
      sendFault(call, step);
      return;
  }
}

/** Sends a frame exactly as given: the server must survive what OpenAI could send. */
function sendFault(call: LiveCall, fault: { kind: 'frame'; frame: Record<string, unknown> } | { kind: 'raw'; text: string }): void {
  const text = fault.kind === 'frame' ? JSON.stringify(fault.frame) : fault.text;
  const sent = call.sendRaw(text);
  call.note(
    'fault',
    `${fault.kind} sent to ${sent} socket${sent === 1 ? '' : 's'}: ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`,
  );
}

/** The scenario's timed socket faults, counted from the first control socket connecting. */
async function playSocketFaults(call: LiveCall): Promise<void> {
  const faults = call.scenario.faults.socket;
  if (faults.length === 0) return;
  if (!(await call.waitUntil(() => call.record.connectionCount > 0))) return;
  const startedAt = call.clock.now();
  for (const fault of [...faults].sort((a, b) => a.afterMs - b.afterMs)) {
    const waitMs = startedAt + fault.afterMs - call.clock.now();
    if (waitMs > 0 && !(await call.sleep(waitMs))) return;
    if (call.isEnded) return;
    if (fault.frame !== undefined) sendFault(call, { kind: 'frame', frame: fault.frame });
    else if (fault.raw !== undefined) sendFault(call, { kind: 'raw', text: fault.raw });
    else {
      const dropped = call.dropSockets();
      call.note('fault', `dropped ${dropped} connection${dropped === 1 ? '' : 's'} (no close frame)`);
    }
  }
}

/** After the last step the caller waits for a quiet spell, then hangs up. */
async function idleHangup(call: LiveCall): Promise<void> {
  while (!call.isEnded) {
    await call.waitUntil(idle(call));
    const mark = call.lastActivityAt;
    if (!(await call.sleep(call.scenario.idleHangupMs))) return;
    if (call.lastActivityAt === mark && call.isQuiet) break;
  }
  if (call.isEnded) return;
  call.note('caller', 'caller hung up (idle)');
  call.end('caller');
}

export async function playScenario(call: LiveCall, opts: PlayerOptions): Promise<void> {
  await Promise.all([playSteps(call, opts), playSocketFaults(call)]);
}

async function playSteps(call: LiveCall, opts: PlayerOptions): Promise<void> {
  const { scenario, record } = call;
  call.setTimer(() => {
    if (record.state !== 'pending') return;
    call.note('caller', `gave up ringing after ${scenario.ringTimeoutMs} ms`);
    call.end('timeout');
  }, scenario.ringTimeoutMs);

  await call.waitUntil(() => record.state !== 'pending');
  if (call.isEnded) return;

  const connected = await call.waitUntil(() => record.connectionCount > 0, scenario.socketTimeoutMs);
  if (call.isEnded) return;
  if (!connected) call.issue(`no control socket connected within ${scenario.socketTimeoutMs} ms of the accept`);

  const greeted = await call.waitUntil(() => record.greetingRequestedAt !== undefined, scenario.greetingWaitMs);
  if (greeted) await call.waitUntil(idle(call));
  if (call.isEnded) return;

  record.stepsStartedAt = call.clock.now();
  call.note(
    'scenario',
    greeted ? `steps start (${scenario.steps.length})` : `steps start (${scenario.steps.length}); no greeting was requested`,
  );
  for (const step of scenario.steps) {
    if (call.isEnded) return;
    await call.waitUntil(idle(call));
    if (step.kind !== 'wait' && step.kind !== 'hangup') await ensureSocket(call);
    if (call.isEnded) return;
    await runStep(call, step, opts);
  }
  await idleHangup(call);
}
