// The `testing` entry point: what users need to test a Switchboard server without a phone or an OpenAI account.
export * from '../emulator/index.ts';
export { FakeControlSocket, FakeControlTransport } from './fake-control-transport.ts';
export { type LocalStack, type LocalStackOptions, startLocalStack } from './local-stack.ts';
export { ManualClock } from './manual-clock.ts';
export { RecordingCallControl } from './recording-call-control.ts';
export { type ReceivedEvent, startTestReceiver, type TestReceiver } from './test-receiver.ts';
export { makeThrowawayCert, type ThrowawayCert, tryThrowawayCert } from './throwaway-cert.ts';
