// `switchboard check` on an agent's `analysis` key: ajv like tool parameters, plus the rules of strict structured outputs.
import { describe, expect, it } from 'vitest';
import { agentDefaultsFromEnv } from '../profiles/agent-defaults.ts';
import { runCheckCommand } from '../profiles/check-command.ts';
import { loadProfilesText } from '../profiles/load-profiles.ts';
import { outputSchema } from './analysis-spec.ts';
import { strictSchemaProblems } from './strict-schema.ts';

async function check(text: string) {
  let err = '';
  const code = await runCheckCommand(['sb.yaml'], {
    env: {},
    cwd: '/virtual',
    out: () => undefined,
    err: (t) => void (err += t),
    readFile: (p) => {
      if (p === '/virtual/sb.yaml') return text;
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    },
  });
  return {
    code,
    lines: err
      .trim()
      .split('\n')
      .filter((l) => !l.includes('warning:')),
  };
}

const file = (analysis: string) => `
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  sales:
    analysis:
${analysis}
routing:
  default: { agent: sales }
`;

const fields = (props: string, extra = '') => `      fields:
        type: object
        properties:
${props}
${extra}`;

describe('analysis in the profile file', () => {
  it('compiles a valid analysis with its model default, and a summary-only one', () => {
    const text = file(
      `${fields('          resolved: { type: boolean }\n          orderNumber: { type: [string, "null"], pattern: "^[A-Z]-\\\\d+$" }', '        required: [resolved, orderNumber]\n        additionalProperties: false')}
      successCriteria: The caller's problem was solved.`,
    );
    const r = loadProfilesText(text, { env: {}, defaults: agentDefaultsFromEnv({}), readFile: () => '' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const spec = r.profiles.analysis.get('sales')!;
    expect(spec).toMatchObject({ summary: true, model: 'gpt-6-luna', successCriteria: "The caller's problem was solved." });
    expect(spec.checkOutput({ summary: 's', success: true, fields: { resolved: true, orderNumber: null } })).toEqual({ ok: true });
    expect(spec.checkOutput({ summary: 's', success: true, fields: { resolved: true, orderNumber: 'nope' } }).ok).toBe(false);
    const env = loadProfilesText(file('      model: gpt-5.4-mini'), {
      env: {},
      defaults: agentDefaultsFromEnv({ ANALYSIS_MODEL: 'gpt-6-sol' }),
      readFile: () => '',
    });
    expect(env.ok && env.profiles.analysis.get('sales')?.model).toBe('gpt-5.4-mini');
    const summaryOnly = loadProfilesText(file('      summary: true'), {
      env: {},
      defaults: agentDefaultsFromEnv({ ANALYSIS_MODEL: 'gpt-6-sol' }),
      readFile: () => '',
    });
    expect(summaryOnly.ok && summaryOnly.profiles.analysis.get('sales')).toMatchObject({
      model: 'gpt-6-sol',
      fields: null,
      successCriteria: null,
    });
  });

  it('refuses a fields schema strict structured outputs would refuse, naming the place', async () => {
    const r = await check(
      file(fields('          resolved: { type: boolean }\n          note: { type: string }', '        required: [resolved]')),
    );
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      'sb.yaml:6:7: agents.sales.analysis.fields.additionalProperties: strict structured outputs need additionalProperties: false on every object',
      'sb.yaml:11:9: agents.sales.analysis.fields.required: every property must be required (for an optional one, allow null: type: [string, "null"]); missing: note',
      'sb.yaml: 2 problems; the server would refuse this file',
    ]);
  });

  it('checks the schema with ajv like tool parameters: unknown keywords and formats are errors', async () => {
    const r = await check(
      file(fields('          when: { type: string, format: someday }', '        required: [when]\n        additionalProperties: false')),
    );
    expect(r.code).toBe(1);
    expect(r.lines[0]).toMatch(/^sb\.yaml:6:7: agents\.sales\.analysis\.fields: invalid JSON schema: unknown format "someday"/);
    const typo = await check(
      file(fields('          when: { type: string, minLenght: 3 }', '        required: [when]\n        additionalProperties: false')),
    );
    expect(typo.lines[0]).toMatch(/agents\.sales\.analysis\.fields: invalid JSON schema: strict mode: unknown keyword: "minLenght"/);
  });

  it('refuses keywords strict mode does not support, an analysis that asks for nothing, and a non-object schema', async () => {
    const oneOf = await check(
      file(
        fields(
          '          x: { oneOf: [{ type: string }, { type: number }] }',
          '        required: [x]\n        additionalProperties: false',
        ),
      ),
    );
    expect(oneOf.lines[0]).toBe(
      'sb.yaml:9:16: agents.sales.analysis.fields.properties.x.oneOf: oneOf is not supported by strict structured outputs',
    );
    const nothing = await check(file('      summary: false'));
    expect(nothing.lines[0]).toBe(
      'sb.yaml:5:5: agents.sales.analysis: analysis asks for nothing: set summary: true, fields or successCriteria',
    );
    const array = await check(file('      fields: { type: array }'));
    expect(array.lines[0]).toBe('sb.yaml:6:17: agents.sales.analysis.fields.type: fields must be a JSON schema of type "object"');
  });

  it('the whole output schema passes its own strict rules', () => {
    expect(
      strictSchemaProblems(
        outputSchema({
          summary: true,
          successCriteria: 'x',
          fields: { type: 'object', properties: {}, required: [], additionalProperties: false },
        }),
      ),
    ).toEqual([]);
    expect(
      strictSchemaProblems({
        type: 'object',
        properties: { a: { type: 'object', properties: { b: { type: 'string' } }, required: ['b'], additionalProperties: false } },
        required: ['a'],
      }),
    ).toEqual([{ path: ['additionalProperties'], message: 'strict structured outputs need additionalProperties: false on every object' }]);
  });
});

describe('prices in the profile file', () => {
  it('warns about a model the table cannot price, and takes the file’s prices for it', async () => {
    const text = (extra: string) => `
carrier: { allowedHosts: [67.231.5.0/24] }
agents:
  sales:
    model: gpt-realtime-next
    analysis: { model: gpt-6-luna }
routing:
  default: { agent: sales }
${extra}`;
    let err = '';
    await runCheckCommand(['sb.yaml'], {
      env: {},
      cwd: '/virtual',
      out: () => undefined,
      err: (t) => void (err += t),
      readFile: () => text(''),
    });
    expect(err).toContain(
      "sb.yaml:5:5: warning: agents.sales.model: no price for the model gpt-realtime-next: its share of a call's cost counts as 0; give it under prices.gpt-realtime-next",
    );
    const priced = loadProfilesText(text('prices:\n  gpt-realtime-next: { audio: { input: 20, output: 40 } }'), {
      env: {},
      defaults: agentDefaultsFromEnv({}),
      readFile: () => '',
    });
    expect(priced.ok && priced.warnings.map((w) => w.message)).toEqual([]);
    expect(priced.ok && priced.profiles.prices.models['gpt-realtime-next']).toEqual({ audio: { input: 20, output: 40 } });
    const bad = await check(text('prices:\n  gpt-realtime-next: { audio: { input: -1 } }'));
    expect(bad.lines[0]).toMatch(/^sb\.yaml:\d+:\d+: prices\.gpt-realtime-next\.audio\.input: /);
  });
});
