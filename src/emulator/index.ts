// The emulator's public surface (also re-exported by src/testing).

export type { Clock } from '../time/clock.ts';
export type {
  CallRecord,
  CallState,
  ClientEventRecord,
  ConnectionRecord,
  EndedBy,
  FunctionCallRecord,
  ReferRequest,
  ResponseRecord,
  RestRequest,
  TimelineEntry,
  TranscriptLine,
  WebhookAttempt,
  WebhookTamper,
} from './call-record.ts';
export { runEmulatorCli } from './cli.ts';
export type { DeliverWebhookOptions, EmulatedCall, Emulator, StartEmulatorOptions } from './emulator.ts';
export { startEmulator } from './emulator.ts';
export { checkExpectations } from './expectations.ts';
export { parseFaultFlags, withDefaultFaults } from './fault-flags.ts';
export type { EmulatorLogger } from './logger.ts';
export type { ActionFault, Faults, FaultsInput, Scenario, ScenarioExpect, ScenarioInput, SocketFault, Step } from './scenario.ts';
export { parseScenario, scenarioSchema } from './scenario.ts';
export { formatTimeline, formatTimelines } from './timeline.ts';
export type { EmulatedWebhookEndpoint, WebhookTestRecord } from './webhook-endpoints.ts';
export { signWebhook } from './webhook-signing.ts';
