import { describe, expect, it } from 'vitest';
import { validateTemplateDocument, validateTemplatePatch, type TemplateDocument } from '../../src/domain/template/index.ts';
import { fullLlmTemplate, ivrOrderConfirmationTemplate, minimalTemplate } from './template-fixtures.ts';

function valid(input: unknown): TemplateDocument {
  const result = validateTemplateDocument(input);
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.issues, null, 2)}`);
  return result.value;
}

describe('validateTemplateDocument accepts reference templates', () => {
  it('accepts the minimal §12.4 example and fills defaults', () => {
    const doc = valid(minimalTemplate());
    expect(doc.is_active).toBe(true);
    expect(doc.flow.mode).toBe('llm');
    if (doc.flow.mode !== 'llm') return;
    expect(doc.flow.global_functions).toEqual([]);
    expect(doc.flow.end_conversation_callbacks).toEqual([]);
    const [greeting, farewell] = doc.flow.nodes;
    expect(greeting?.functions[0]).toMatchObject({ name: 'confirmed', transition_to: 'farewell', properties: {}, required: [], hooks: [] });
    expect(farewell?.functions).toEqual([]);
    expect(farewell?.role_messages).toEqual([]);
  });

  it('accepts the §12.3 / §16 / seed-hook template and normalises it', () => {
    const doc = valid(fullLlmTemplate());
    if (doc.flow.mode !== 'llm') throw new Error('expected llm flow');
    const greeting = doc.flow.nodes[0];
    // §16 writes `function_name`; the document is normalised to `name`.
    expect(greeting?.functions[2]?.name).toBe('transfer_to_agent');
    expect(greeting?.functions[2]).not.toHaveProperty('function_name');
    // A function without transition_to stays on its node.
    expect(greeting?.functions[2]?.transition_to).toBeNull();
    expect(greeting?.functions[1]?.hooks[0]?.http_request).toEqual({
      url: 'https://your-crm.com/api/update',
      method: 'POST',
      headers: { Authorization: 'Bearer {crm_token}' },
      body: { lead_id: '{lead_id}', outcome: '{outcome}' },
      timeout: 10,
    });
    // Methods are case-insensitive; defaults apply to callbacks.
    expect(doc.flow.global_functions[0]?.http_request?.method).toBe('GET');
    expect(doc.flow.end_conversation_callbacks[0]?.http_request.method).toBe('POST');
    // Unknown configuration keys pass through untouched.
    expect(doc.configurations?.['tts_configuration']).toEqual({ provider: 'elevenlabs', voice_id: 'pFZP5JQG7iQjIQuC4Bku' });
    expect(doc.outbound_number_id).toBeNull();
  });

  it('accepts `function_name` and `name` together when they agree', () => {
    const doc = minimalTemplate();
    const flow = doc['flow'] as { nodes: { functions?: Record<string, unknown>[] }[] };
    flow.nodes[0]!.functions![0] = { name: 'confirmed', function_name: 'confirmed', transition_to: 'farewell' };
    expect(validateTemplateDocument(doc).ok).toBe(true);
  });

  it('drops unknown top-level keys such as ownership and read-only fields', () => {
    const doc = valid({ ...minimalTemplate(), id: 'tpl_1', reseller_id: 'res_001', created_at: '2026-01-01T00:00:00Z' });
    expect(doc).not.toHaveProperty('id');
    expect(doc).not.toHaveProperty('reseller_id');
  });

  it('accepts null for optional fields, as a read-back document shows them', () => {
    const doc = valid({ ...minimalTemplate(), expected_payload_schema: null, configurations: null, secrets: null, is_active: false });
    expect(doc.expected_payload_schema).toBeNull();
    expect(doc.is_active).toBe(false);
  });

  it('accepts JSON Schemas declaring draft-07, 2019-09 or 2020-12', () => {
    for (const $schema of [
      'http://json-schema.org/draft-07/schema#',
      'https://json-schema.org/draft-07/schema',
      'https://json-schema.org/draft/2019-09/schema',
      'https://json-schema.org/draft/2020-12/schema',
    ]) {
      expect(validateTemplateDocument({ ...minimalTemplate(), expected_payload_schema: { $schema, type: 'object' } }).ok).toBe(true);
    }
  });

  it('accepts two templates whose schemas share an $id', () => {
    const schema = { $id: 'https://example.com/payload', type: 'object' };
    expect(validateTemplateDocument({ ...minimalTemplate(), expected_payload_schema: schema }).ok).toBe(true);
    expect(validateTemplateDocument({ ...minimalTemplate(), expected_payload_schema: { ...schema, required: ['a'] } }).ok).toBe(true);
  });
});

describe('validateTemplateDocument accepts IVR templates', () => {
  it('accepts the order-confirmation IVR and fills node defaults', () => {
    const doc = valid(ivrOrderConfirmationTemplate());
    if (doc.flow.mode !== 'ivr') throw new Error('expected ivr flow');
    const [menu, cancel] = doc.flow.nodes;
    expect(menu?.timeout).toBe(6);
    expect(menu?.options[2]).toEqual({ digit: '9', action: 'repeat' });
    expect(cancel).toMatchObject({ timeout: 5, max_retries: 2 });
    expect(doc.flow.nodes[2]?.options).toEqual([]);
  });
});

describe('validateTemplatePatch', () => {
  it('accepts an empty patch and applies no defaults', () => {
    const result = validateTemplatePatch({});
    expect(result).toEqual({ ok: true, value: {} });
  });

  it('accepts a partial patch', () => {
    const result = validateTemplatePatch({ is_active: false, secrets: { api_token: 'new' } });
    expect(result).toEqual({ ok: true, value: { is_active: false, secrets: { api_token: 'new' } } });
  });

  it('validates a present flow whole, including its cross-references', () => {
    const flow = { initial_node: 'nowhere', nodes: [{ node_name: 'a' }] };
    const result = validateTemplatePatch({ flow });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([expect.objectContaining({ loc: ['flow', 'initial_node'], type: 'unknown_node' })]);
  });

  it('refuses a bad name in a patch', () => {
    const result = validateTemplatePatch({ name: 'has space' });
    expect(result.ok).toBe(false);
  });
});
