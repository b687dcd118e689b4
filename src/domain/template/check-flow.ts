/**
 * Checks that span several parts of a flow and so can only run once its shape is valid:
 * node names unique, every node reference (initial_node, transition_to, IVR next) resolves,
 * and global function names unique and distinct from every node function name (the LLM sees
 * both lists at once, so a clash would make one of them unreachable).
 */
import type { IvrFlow } from './ivr-flow-schema.ts';
import type { LlmFlow } from './llm-flow-schema.ts';
import type { Flow } from './template-schema.ts';
import { formatLoc, issue, type Loc, type ValidationIssue } from './validation-issue.ts';

function describeNodes(names: Map<string, number>): string {
  const list = [...names.keys()].map((n) => JSON.stringify(n));
  return list.length > 10 ? `${list.slice(0, 10).join(', ')}, …` : list.join(', ');
}

/** Node name → index of its first definition; reports later duplicates. */
function indexNodes(nodes: readonly { node_name: string }[], prefix: Loc, out: ValidationIssue[]): Map<string, number> {
  const names = new Map<string, number>();
  nodes.forEach((node, i) => {
    const first = names.get(node.node_name);
    if (first === undefined) names.set(node.node_name, i);
    else {
      out.push(
        issue([...prefix, 'nodes', i, 'node_name'], 'duplicate_node', `duplicate node_name "${node.node_name}" (also ${formatLoc([...prefix, 'nodes', first])})`),
      );
    }
  });
  return names;
}

function checkReference(target: string, names: Map<string, number>, loc: Loc, out: ValidationIssue[]): void {
  if (!names.has(target)) {
    out.push(issue(loc, 'unknown_node', `no node named "${target}"; nodes are ${describeNodes(names)}`));
  }
}

function checkLlmFlow(flow: LlmFlow, prefix: Loc, out: ValidationIssue[]): void {
  const names = indexNodes(flow.nodes, prefix, out);
  checkReference(flow.initial_node, names, [...prefix, 'initial_node'], out);

  const nodeFunctions = new Map<string, Loc>();
  flow.nodes.forEach((node, i) => {
    node.functions.forEach((fn, j) => {
      const loc: Loc = [...prefix, 'nodes', i, 'functions', j];
      if (!nodeFunctions.has(fn.name)) nodeFunctions.set(fn.name, loc);
      if (fn.transition_to !== null) checkReference(fn.transition_to, names, [...loc, 'transition_to'], out);
    });
  });

  const globals = new Map<string, number>();
  flow.global_functions.forEach((fn, j) => {
    const loc: Loc = [...prefix, 'global_functions', j];
    if (fn.transition_to !== null) checkReference(fn.transition_to, names, [...loc, 'transition_to'], out);
    const first = globals.get(fn.name);
    if (first !== undefined) {
      out.push(issue([...loc, 'name'], 'duplicate_function', `duplicate global function name "${fn.name}" (also global_functions[${first}])`));
      return;
    }
    globals.set(fn.name, j);
    const clash = nodeFunctions.get(fn.name);
    if (clash) {
      out.push(issue([...loc, 'name'], 'function_name_clash', `global function "${fn.name}" has the same name as ${formatLoc(clash)}`));
    }
  });
}

function checkIvrFlow(flow: IvrFlow, prefix: Loc, out: ValidationIssue[]): void {
  const names = indexNodes(flow.nodes, prefix, out);
  checkReference(flow.initial_node, names, [...prefix, 'initial_node'], out);
  flow.nodes.forEach((node, i) => {
    node.options.forEach((option, k) => {
      if (option.next !== undefined) checkReference(option.next, names, [...prefix, 'nodes', i, 'options', k, 'next'], out);
    });
  });
}

export function checkFlow(flow: Flow, prefix: Loc = ['flow']): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (flow.mode === 'ivr') checkIvrFlow(flow, prefix, out);
  else checkLlmFlow(flow, prefix, out);
  return out;
}
