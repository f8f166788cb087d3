// The emulator's public surface (also re-exported by src/testing).
export { startEmulator } from './emulator.ts';
export type { DeliverWebhookOptions, EmulatedCall, Emulator, StartEmulatorOptions } from './emulator.ts';
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
export { parseScenario, scenarioSchema } from './scenario.ts';
export type { Scenario, ScenarioExpect, ScenarioInput, Step } from './scenario.ts';
export { checkExpectations } from './expectations.ts';
export { formatTimeline, formatTimelines } from './timeline.ts';
export { signWebhook } from './webhook-signing.ts';
export type { EmulatedWebhookEndpoint, WebhookTestRecord } from './webhook-endpoints.ts';
export type { Clock } from '../time/clock.ts';
export type { EmulatorLogger } from './logger.ts';
export { runEmulatorCli } from './cli.ts';
export { parseFaultFlags, withDefaultFaults } from './fault-flags.ts';
export type { ActionFault, Faults, FaultsInput, SocketFault } from './scenario.ts';
