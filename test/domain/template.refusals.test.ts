import { describe, expect, it } from 'vitest';
import { formatLoc, validateTemplateDocument, type ValidationIssue } from '../../src/domain/template/index.ts';
import { fullLlmTemplate, ivrOrderConfirmationTemplate, minimalTemplate } from './template-fixtures.ts';

type Json = Record<string, unknown>;
type Node = Json & { functions?: Json[]; options?: Json[] };

function issuesOf(input: unknown): ValidationIssue[] {
  const result = validateTemplateDocument(input);
  if (result.ok) throw new Error('expected the document to be refused');
  return result.issues;
}

/** The document's issues as `path | type` strings, for compact exact assertions. */
function located(input: unknown): string[] {
  return issuesOf(input).map((i) => `${formatLoc(i.loc)} | ${i.type}`);
}

function withFlow(template: Json, edit: (flow: { nodes: Node[]; global_functions?: Json[]; [k: string]: unknown }) => void): Json {
  const copy = structuredClone(template);
  edit(copy['flow'] as { nodes: Node[] });
  return copy;
}

describe('formatLoc', () => {
  it('formats keys with dots and indexes with brackets', () => {
    expect(formatLoc(['flow', 'nodes', 2, 'functions', 0, 'transition_to'])).toBe('flow.nodes[2].functions[0].transition_to');
  });
  it('quotes keys that are not identifiers', () => {
    expect(formatLoc(['secrets', 'bad key'])).toBe('secrets["bad key"]');
    expect(formatLoc([0, 'a'])).toBe('[0].a');
  });
});

describe('validateTemplateDocument refuses', () => {
  it('a transition_to naming no node, at its exact path', () => {
    const doc = withFlow(fullLlmTemplate(), (flow) => {
      flow.nodes[2]!.functions = [{ name: 'goodbye', transition_to: 'nowhere' }];
    });
    const issues = issuesOf(doc);
    expect(issues).toEqual([
      {
        loc: ['flow', 'nodes', 2, 'functions', 0, 'transition_to'],
        type: 'unknown_node',
        msg: 'no node named "nowhere"; nodes are "greeting", "reschedule_node", "farewell"',
      },
    ]);
  });

  it('a global function transition_to naming no node', () => {
    const doc = withFlow(fullLlmTemplate(), (flow) => {
      flow.global_functions![0]!['transition_to'] = 'ghost';
    });
    expect(located(doc)).toEqual(['flow.global_functions[0].transition_to | unknown_node']);
  });

  it('an unknown initial_node', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow['initial_node'] = 'start';
    });
    expect(located(doc)).toEqual(['flow.initial_node | unknown_node']);
  });

  it('a duplicate node name', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes.push({ node_name: 'greeting' });
    });
    const issues = issuesOf(doc);
    expect(issues).toEqual([
      { loc: ['flow', 'nodes', 2, 'node_name'], type: 'duplicate_node', msg: 'duplicate node_name "greeting" (also flow.nodes[0])' },
    ]);
  });

  it('a duplicate function name within a node', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions!.push({ name: 'confirmed' });
    });
    expect(located(doc)).toEqual(['flow.nodes[0].functions[2].name | duplicate_function']);
  });

  it('a global function named like a node function, and duplicate global functions', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.global_functions = [{ name: 'rescheduled' }, { name: 'help' }, { name: 'help' }];
    });
    const issues = issuesOf(doc);
    expect(issues.map((i) => [formatLoc(i.loc), i.type])).toEqual([
      ['flow.global_functions[0].name', 'function_name_clash'],
      ['flow.global_functions[2].name', 'duplicate_function'],
    ]);
    expect(issues[0]?.msg).toContain('flow.nodes[0].functions[1]');
  });

  it('an invalid expected_payload_schema, with Ajv\'s message', () => {
    const issues = issuesOf({ ...minimalTemplate(), expected_payload_schema: { type: 'object', properties: { a: { type: 'strng' } } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ loc: ['expected_payload_schema'], type: 'invalid_json_schema' });
    expect(issues[0]?.msg).toContain('schema/properties/a/type must be equal to one of the allowed values');
  });

  it('an invalid expected_callback_response_schema, and an unresolvable $ref', () => {
    expect(located({ ...minimalTemplate(), expected_callback_response_schema: { minLength: -1 } })).toEqual([
      'expected_callback_response_schema | invalid_json_schema',
    ]);
    const issues = issuesOf({ ...minimalTemplate(), expected_payload_schema: { $ref: '#/definitions/missing' } });
    expect(issues[0]?.msg).toContain("can't resolve reference #/definitions/missing");
  });

  it('a JSON Schema draft Ajv would misread', () => {
    const issues = issuesOf({ ...minimalTemplate(), expected_payload_schema: { $schema: 'http://json-schema.org/draft-04/schema#' } });
    expect(issues[0]).toMatchObject({ loc: ['expected_payload_schema'], type: 'invalid_json_schema' });
    expect(issues[0]?.msg).toContain('unsupported $schema');
  });

  it('an invalid function property schema, at the property', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0]!['properties'] = { date: { type: 'date' } };
    });
    expect(located(doc)).toEqual(['flow.nodes[0].functions[0].properties.date | invalid_json_schema']);
  });

  it('a required argument that is not a property', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0] = { name: 'confirmed', properties: { date: { type: 'string' } }, required: ['date', 'time'] };
    });
    expect(located(doc)).toEqual(['flow.nodes[0].functions[0].required[1] | unknown_property']);
  });

  it('a hook field with an unknown source', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0]!['hooks'] = [
        { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'payload', value: 'x' } } },
      ];
    });
    const issues = issuesOf(doc);
    expect(issues).toEqual([
      {
        loc: ['flow', 'nodes', 0, 'functions', 0, 'hooks', 0, 'expected_fields', 'outcome', 'source'],
        type: 'invalid_value',
        msg: "Invalid discriminator value. Expected 'static' | 'llm' | 'context'",
      },
    ]);
  });

  it('static and context sources without a value', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0]!['hooks'] = [
        { name: 'update_outcome_in_database', expected_fields: { outcome: { source: 'static' }, number: { source: 'context' } } },
      ];
    });
    expect(located(doc)).toEqual([
      'flow.nodes[0].functions[0].hooks[0].expected_fields.outcome.value | missing',
      'flow.nodes[0].functions[0].hooks[0].expected_fields.number.value | missing',
    ]);
  });

  it('an llm source naming an argument the function does not declare', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0] = {
        name: 'confirmed',
        properties: { address: { type: 'string' } },
        hooks: [
          { name: 'update_outcome_in_database', expected_fields: { address: { source: 'llm' }, email: { source: 'llm' }, zip: { source: 'llm', value: 'pin' } } },
        ],
      };
    });
    expect(located(doc)).toEqual([
      'flow.nodes[0].functions[0].hooks[0].expected_fields.email | unknown_property',
      'flow.nodes[0].functions[0].hooks[0].expected_fields.zip | unknown_property',
    ]);
  });

  it('a hook that is neither built-in nor HTTP, and a built-in with an http_request', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0]!['hooks'] = [
        { name: 'update_crm' },
        { name: 'set_transfer_flag', http_request: { url: 'https://crm.example.com' } },
      ];
    });
    expect(located(doc)).toEqual([
      'flow.nodes[0].functions[0].hooks[0].name | unknown_hook',
      'flow.nodes[0].functions[0].hooks[1].http_request | ambiguous_hook',
    ]);
  });

  it('an unknown action handler, naming the path', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[1]!['post_actions'] = [{ type: 'function', handler: 'cold_transfer' }];
    });
    const issues = issuesOf(doc);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ loc: ['flow', 'nodes', 1, 'post_actions', 0, 'handler'], type: 'invalid_value' });
    expect(issues[0]?.msg).toContain('unknown action handler "cold_transfer"');
  });

  it('bad HTTP requests: method, timeout bounds, relative URL', () => {
    const doc = withFlow(fullLlmTemplate(), (flow) => {
      flow.global_functions![0]!['http_request'] = { url: '/orders/{order_id}', method: 'FETCH', timeout: 60 };
    });
    expect(located(doc)).toEqual([
      'flow.global_functions[0].http_request.url | invalid_url',
      'flow.global_functions[0].http_request.method | invalid_value',
      'flow.global_functions[0].http_request.timeout | too_big',
    ]);
  });

  it('a misspelled key inside the flow, at the key', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0] = { name: 'confirmed', transition_too: 'farewell' };
    });
    expect(issuesOf(doc)).toEqual([
      { loc: ['flow', 'nodes', 0, 'functions', 0, 'transition_too'], type: 'unrecognized_key', msg: 'Unknown field "transition_too"' },
    ]);
  });

  it('conflicting name and function_name', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0] = { name: 'a', function_name: 'b' };
    });
    expect(located(doc)).toEqual(['flow.nodes[0].functions[0].function_name | conflicting_alias']);
  });

  it('a function name the LLM API would refuse', () => {
    const doc = withFlow(minimalTemplate(), (flow) => {
      flow.nodes[0]!.functions![0] = { name: 'confirm order' };
    });
    expect(located(doc)).toEqual(['flow.nodes[0].functions[0].name | invalid_format']);
  });

  it('top-level problems: name, missing flow, secrets, configurations, mode', () => {
    expect(located({ name: '' })).toEqual(['name | too_small', 'flow | missing']);
    expect(located({ name: 'a/b', flow: { mode: 'dtmf', initial_node: 'a', nodes: [] } })).toEqual([
      'name | invalid_format',
      'flow.mode | invalid_value',
    ]);
    const doc = {
      ...minimalTemplate(),
      secrets: { 'bad key': 'x', ok: 1 },
      configurations: { user_idle_configuration: { timeout: 0, max_retries: 1.5 }, ivr_priority: 'high', custom: { anything: true } },
    };
    expect(located(doc)).toEqual([
      'configurations.user_idle_configuration.timeout | too_small',
      'configurations.user_idle_configuration.max_retries | invalid_type',
      'configurations.ivr_priority | invalid_type',
      'secrets["bad key"] | invalid_key',
      'secrets.ok | invalid_type',
    ]);
  });

  it('an empty nodes list', () => {
    expect(located({ name: 'x', flow: { initial_node: 'a', nodes: [] } })).toEqual(['flow.nodes | too_small']);
  });

  it('collects every shape issue in one pass', () => {
    const doc = withFlow(fullLlmTemplate(), (flow) => {
      flow.nodes[0]!['task_messages'] = [{ role: 'robot', content: 'x' }];
      flow.nodes[1]!.functions![0]!['required'] = 'email';
      flow.nodes[2]!['pre_actions'] = [{ type: 'say' }];
    });
    expect(located(doc)).toEqual([
      'flow.nodes[0].task_messages[0].role | invalid_value',
      'flow.nodes[1].functions[0].required | invalid_type',
      'flow.nodes[2].pre_actions[0].type | invalid_value',
    ]);
  });
});

describe('validateTemplateDocument refuses bad IVR flows', () => {
  it('a duplicate digit in a node', () => {
    const doc = withFlow(ivrOrderConfirmationTemplate(), (flow) => {
      flow.nodes[0]!.options!.push({ digit: '2', outcome: 'CANCELLED' });
    });
    expect(issuesOf(doc)).toEqual([
      { loc: ['flow', 'nodes', 0, 'options', 3, 'digit'], type: 'duplicate_digit', msg: 'digit "2" is already used by options[1]' },
    ]);
  });

  it('a next naming no node, an unknown initial node and a duplicate node name', () => {
    const doc = withFlow(ivrOrderConfirmationTemplate(), (flow) => {
      flow['initial_node'] = 'menu';
      flow.nodes[1]!.options![0]!['next'] = 'gone';
      flow.nodes.push({ node_name: 'cancelled', prompt: 'again' });
    });
    expect(located(doc)).toEqual([
      'flow.nodes[3].node_name | duplicate_node',
      'flow.initial_node | unknown_node',
      'flow.nodes[1].options[0].next | unknown_node',
    ]);
  });

  it('options with nothing to do, with both next and action, or with a bad digit', () => {
    const doc = withFlow(ivrOrderConfirmationTemplate(), (flow) => {
      flow.nodes[2]!.options = [{ digit: '1' }, { digit: '2', next: 'main_menu', action: 'end' }, { digit: '10', action: 'end' }];
    });
    const issues = issuesOf(doc);
    expect(issues.map((i) => `${formatLoc(i.loc)} | ${i.type}`)).toEqual([
      'flow.nodes[2].options[0] | empty_option',
      'flow.nodes[2].options[1].action | conflicting_option',
      'flow.nodes[2].options[2].digit | invalid_value',
    ]);
    expect(issues[2]?.msg).toBe('digit must be one of 0-9, * or #');
  });

  it('LLM node fields in an IVR flow, and a missing prompt', () => {
    const doc = withFlow(ivrOrderConfirmationTemplate(), (flow) => {
      flow.nodes[2] = { node_name: 'cancelled', task_messages: [] };
      flow['global_functions'] = [];
    });
    expect(located(doc)).toEqual([
      'flow.nodes[2].prompt | missing',
      'flow.nodes[2].task_messages | unrecognized_key',
      'flow.global_functions | unrecognized_key',
    ]);
  });

  it('bad timeout and retries', () => {
    const doc = withFlow(ivrOrderConfirmationTemplate(), (flow) => {
      flow.nodes[1]!['timeout'] = 0;
      flow.nodes[1]!['max_retries'] = -1;
    });
    expect(located(doc)).toEqual(['flow.nodes[1].timeout | too_small', 'flow.nodes[1].max_retries | too_small']);
  });
});
