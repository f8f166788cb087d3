// The `testing` entry point: what users need to test a Switchboard server without a phone or an OpenAI account.
export * from '../emulator/index.ts';
export { startLocalStack, type LocalStack, type LocalStackOptions } from './local-stack.ts';
export { FakeControlSocket, FakeControlTransport } from './fake-control-transport.ts';
export { makeThrowawayCert, tryThrowawayCert, type ThrowawayCert } from './throwaway-cert.ts';
export { ManualClock } from './manual-clock.ts';
export { RecordingCallControl } from './recording-call-control.ts';
export { startTestReceiver, type ReceivedEvent, type TestReceiver } from './test-receiver.ts';
