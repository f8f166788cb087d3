import { type Tool, type ToolContext, type ToolResult, toolError } from './tool.ts';

export interface FunctionCallItem {
  call_id: string;
  name: string;
  arguments: string;
}

/** Runs one function call. Never throws: every failure becomes an output the agent can talk about. */
export async function runToolCall(tools: ReadonlyMap<string, Tool>, item: FunctionCallItem, ctx: ToolContext): Promise<ToolResult> {
  const tool = tools.get(item.name);
  if (!tool) {
    return toolError(
      'unknown_tool',
      `There is no tool named ${item.name}.`,
      'Tell the caller you cannot do that, and offer another way to help.',
    );
  }
  let args: unknown;
  try {
    args = item.arguments.trim() === '' ? {} : JSON.parse(item.arguments);
  } catch {
    return toolError(
      'invalid_arguments',
      'The arguments were not valid JSON.',
      'Apologise briefly and ask the caller to repeat what they need.',
    );
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return toolError(
      'invalid_arguments',
      'The arguments must be a JSON object.',
      'Apologise briefly and ask the caller to repeat what they need.',
    );
  }
  try {
    return await tool.run(args as Record<string, unknown>, ctx);
  } catch (err) {
    ctx.log.error({ callId: ctx.callId, tool: item.name, err }, 'tool failed');
    return toolError('tool_failed', 'The tool failed.', 'Tell the caller something went wrong, and offer another way to help.');
  }
}
