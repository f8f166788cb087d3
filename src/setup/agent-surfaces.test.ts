import { describe, expect, it } from 'vitest';
import { agentSurfaces } from './agent-surfaces.ts';

const cwd = '/srv/sb';
const withFile = (yaml: string) => ({
  exists: (path: string) => path === '/srv/sb/profiles.yaml',
  readFile: (path: string) => {
    if (path !== '/srv/sb/profiles.yaml') throw new Error(`unexpected read ${path}`);
    return yaml;
  },
});

describe('agent surfaces and models', () => {
  it('the environment agent: Realtime, its model and transcription model', () => {
    const s = agentSurfaces({ OPENAI_MODEL: 'gpt-realtime-2.1' }, cwd);
    expect([...s.surfaces]).toEqual(['realtime']);
    expect(s.models).toEqual([
      { id: 'gpt-realtime-2.1', setting: 'OPENAI_MODEL', kind: 'realtime' },
      { id: 'gpt-transcribe', setting: 'TRANSCRIPTION_MODEL', kind: 'transcription' },
    ]);
  });

  it('AGENT_SURFACE=live puts the environment agent on GPT-Live', () => {
    const s = agentSurfaces({ AGENT_SURFACE: 'live' }, cwd);
    expect([...s.surfaces]).toEqual(['live']);
    expect(s.liveAgents).toEqual(['default']);
    expect(s.models).toEqual([
      { id: 'gpt-live-1', setting: 'LIVE_MODEL (default)', kind: 'live' },
      { id: 'gpt-5.4-mini', setting: 'DELEGATION_MODEL (default)', kind: 'delegation' },
    ]);
  });

  it('a profile file: each agent by its surface key, models with the setting that names them, ${VAR} resolved', () => {
    const yaml = [
      'agents:',
      '  front: { model: "${FRONT_MODEL}" }',
      '  sales: { surface: live, delegation: { model: gpt-5-mini } }',
      '  support: { transcription: { model: gpt-live-transcribe } }',
    ].join('\n');
    const s = agentSurfaces({ SWITCHBOARD_CONFIG: 'profiles.yaml', FRONT_MODEL: 'gpt-realtime-2' }, cwd, withFile(yaml));
    expect([...s.surfaces].sort()).toEqual(['live', 'realtime']);
    expect(s.liveAgents).toEqual(['sales']);
    expect(s.source).toEqual({ kind: 'file', path: '/srv/sb/profiles.yaml' });
    expect(s.models).toEqual([
      { id: 'gpt-realtime-2', setting: 'agents.front.model', kind: 'realtime' },
      { id: 'gpt-transcribe', setting: 'TRANSCRIPTION_MODEL', kind: 'transcription' },
      { id: 'gpt-live-1', setting: 'LIVE_MODEL (default)', kind: 'live' },
      { id: 'gpt-5-mini', setting: 'agents.sales.delegation.model', kind: 'delegation' },
      { id: 'gpt-realtime-2.1', setting: 'OPENAI_MODEL', kind: 'realtime' },
      { id: 'gpt-live-transcribe', setting: 'agents.support.transcription.model', kind: 'transcription' },
    ]);
  });

  it('an unreadable file falls back to the environment agent and says why', () => {
    const s = agentSurfaces({ SWITCHBOARD_CONFIG: 'profiles.yaml' }, cwd, withFile('agents: [unclosed'));
    expect([...s.surfaces]).toEqual(['realtime']);
    expect(s.unreadable).toMatch(/cannot read/);
  });
});
