// `check` warns about models the price table cannot price: their calls would cost 0.
import type { AgentDefaults } from '../profiles/agent-defaults.ts';
import { type Problem, warning } from '../profiles/problem.ts';
import type { ProfilesFile } from '../profiles/schema.ts';
import { type PriceTable, priceOf } from './price-table.ts';

export function priceWarnings(
  file: ProfilesFile,
  defaults: Pick<AgentDefaults, 'model' | 'transcriptionModel' | 'analysisModel'>,
  table: PriceTable,
): Problem[] {
  const problems: Problem[] = [];
  const check = (model: string, path: (string | number)[], what: string) => {
    if (!priceOf(table, model))
      problems.push(warning(path, `no price for ${what} ${model}: its share of a call's cost counts as 0; give it under prices.${model}`));
  };
  for (const [name, agent] of Object.entries(file.agents)) {
    const at = ['agents', name];
    check(agent.model ?? defaults.model, agent.model ? [...at, 'model'] : at, 'the model');
    check(
      agent.transcription?.model ?? defaults.transcriptionModel,
      agent.transcription?.model ? [...at, 'transcription', 'model'] : at,
      'the transcription model',
    );
    if (agent.analysis)
      check(
        agent.analysis.model ?? defaults.analysisModel,
        agent.analysis.model ? [...at, 'analysis', 'model'] : [...at, 'analysis'],
        'the analysis model',
      );
  }
  return problems;
}
