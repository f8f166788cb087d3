// Cross-references in a structurally valid file: names that must exist, and
// combinations that cannot work. Warnings for what is legal but probably a mistake.
import { error, type Problem, warning } from './problem.ts';
import type { ProfilesFile } from './schema.ts';

const builtinTools = new Set(['transfer_call', 'end_call']);

/** @param envAllowedHosts CARRIER_ALLOWED_HOSTS: the allow-list when the file sets none. */
export function checkReferences(file: ProfilesFile, envAllowedHosts: readonly string[] | null = null): Problem[] {
  const problems: Problem[] = [];
  const agents = new Set(Object.keys(file.agents));
  const schedules = new Set(Object.keys(file.schedules));
  const routed = new Set<string>();

  const checkTarget = (
    t: { agent: string; hours?: string | undefined; afterHours?: { agent: string } | { reject: number } | undefined },
    path: (string | number)[],
  ) => {
    if (!agents.has(t.agent)) problems.push(error([...path, 'agent'], `no agent named "${t.agent}"`));
    routed.add(t.agent);
    if (t.hours !== undefined && !schedules.has(t.hours)) problems.push(error([...path, 'hours'], `no schedule named "${t.hours}"`));
    if (t.afterHours !== undefined) {
      if (t.hours === undefined) problems.push(error([...path, 'afterHours'], 'afterHours needs hours'));
      if ('agent' in t.afterHours) {
        routed.add(t.afterHours.agent);
        if (!agents.has(t.afterHours.agent))
          problems.push(error([...path, 'afterHours', 'agent'], `no agent named "${t.afterHours.agent}"`));
      }
    }
  };
  file.routing.routes.forEach((route, i) => {
    checkTarget(route, ['routing', 'routes', i]);
    if (route.dialed === undefined && route.callerPrefix === undefined) {
      problems.push(warning(['routing', 'routes', i], 'matches every call: routes after it, and the default, are never used'));
    }
  });
  if (file.routing.default) checkTarget(file.routing.default, ['routing', 'default']);
  else problems.push(warning(['routing'], `no default route: calls that match no route are rejected with ${file.routing.noRouteStatus}`));

  for (const [name, agent] of Object.entries(file.agents)) {
    const at = ['agents', name];
    if (!routed.has(name)) problems.push(warning(at, 'no route uses this agent'));
    const destinations = new Set(Object.keys(agent.transfers ?? {}));
    for (const [dest, d] of Object.entries(agent.transfers ?? {})) {
      if (d.hours !== undefined && !schedules.has(d.hours))
        problems.push(error([...at, 'transfers', dest, 'hours'], `no schedule named "${d.hours}"`));
    }
    const toolNames = new Set<string>();
    agent.tools.forEach((tool, i) => {
      if (builtinTools.has(tool.name)) problems.push(error([...at, 'tools', i, 'name'], `${tool.name} is built in: choose another name`));
      else if (toolNames.has(tool.name))
        problems.push(error([...at, 'tools', i, 'name'], `another tool of this agent is already named ${tool.name}`));
      toolNames.add(tool.name);
    });
    for (const [key, action] of Object.entries(agent.dtmf?.keys ?? {})) {
      if (action.action === 'transfer' && !destinations.has(action.to)) {
        problems.push(
          error(
            [...at, 'dtmf', 'keys', key, 'to'],
            destinations.size === 0 ? 'this agent has no transfers' : `no destination named "${action.to}" in this agent's transfers`,
          ),
        );
      }
    }
    if (agent.transferContext.length > 0 && agent.transfers === undefined) {
      problems.push(warning([...at, 'transferContext'], 'this agent has no named transfers; the context rides on transfers to REFER_TO'));
    }
  }
  if (file.carrier.allowedHosts === undefined && envAllowedHosts === null) {
    problems.push(
      warning(
        ['carrier'],
        "no allowedHosts (nor CARRIER_ALLOWED_HOSTS): transfers trust any Contact host in the INVITE; list your carrier's hosts or networks",
      ),
    );
  }
  return problems;
}
