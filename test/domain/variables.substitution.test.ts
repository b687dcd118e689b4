import { describe, expect, it } from 'vitest';
import { buildVariablePool, findPlaceholders, substitute } from '../../src/domain/variables.ts';

const pool = buildVariablePool({
  payload: {
    customer_name: 'Rahul',
    amount: 499,
    vip: true,
    nothing: null,
    customer: { name: 'Asha', address: { city: 'Pune' } },
    items: [{ sku: 'A1' }, { sku: 'B2' }],
    'order.id': 'flat-wins',
    order: { id: 'nested-loses' },
    tricky: 'contains {api_secret}',
  },
  secrets: { api_secret: 's3cr3t-value' },
});

describe('buildVariablePool', () => {
  it('merges credentials < secrets < payload < context, later winning', () => {
    const merged = buildVariablePool({
      credentials: { a: 'cred', b: 'cred', c: 'cred', d: 'cred' },
      secrets: { b: 'secret', c: 'secret', d: 'secret' },
      payload: { c: 'payload', d: 'payload' },
      context: { d: 'context' },
    });
    expect(Object.fromEntries(merged)).toEqual({ a: 'cred', b: 'secret', c: 'payload', d: 'context' });
  });

  it('accepts missing sources', () => {
    expect(buildVariablePool({}).size).toBe(0);
  });
});

describe('substitute', () => {
  it('replaces embedded placeholders, case-sensitively', () => {
    expect(substitute('Hi {customer_name}, {Customer_name}', pool)).toBe('Hi Rahul, {Customer_name}');
  });

  it('keeps the JSON type of a string that is exactly one placeholder', () => {
    expect(substitute('{amount}', pool)).toBe(499);
    expect(substitute('{vip}', pool)).toBe(true);
    expect(substitute('{nothing}', pool)).toBeNull();
    expect(substitute('{customer}', pool)).toEqual({ name: 'Asha', address: { city: 'Pune' } });
  });

  it('stringifies embedded values: numbers, booleans, objects as JSON, null as empty', () => {
    expect(substitute('{amount} INR, vip={vip}, x={nothing}.', pool)).toBe('499 INR, vip=true, x=.');
    expect(substitute('items: {items}', pool)).toBe('items: [{"sku":"A1"},{"sku":"B2"}]');
  });

  it('looks up dotted names in nested objects and arrays when no flat key matches', () => {
    expect(substitute('{customer.name} from {customer.address.city}', pool)).toBe('Asha from Pune');
    expect(substitute('{items.1.sku}', pool)).toBe('B2');
    expect(substitute('{order.id}', pool)).toBe('flat-wins');
  });

  it('does not walk into prototypes', () => {
    const unknown: string[] = [];
    expect(substitute('{customer.constructor}', pool, { onUnknown: (n) => unknown.push(n) })).toBe('{customer.constructor}');
    expect(unknown).toEqual(['customer.constructor']);
  });

  it('leaves unknown placeholders literally and reports each', () => {
    const unknown: string[] = [];
    const out = substitute('Dear {first_name} {customer.missing}', pool, { onUnknown: (n) => unknown.push(n) });
    expect(out).toBe('Dear {first_name} {customer.missing}');
    expect(unknown).toEqual(['first_name', 'customer.missing']);
    expect(substitute('{first_name}', pool)).toBe('{first_name}');
  });

  it('treats {{ and }} as escaped braces', () => {
    expect(substitute('{{customer_name}} is {customer_name}', pool)).toBe('{customer_name} is Rahul');
    expect(substitute('{{{customer_name}}}', pool)).toBe('{Rahul}');
    expect(substitute('{{amount}}', pool)).toBe('{amount}');
  });

  it('leaves braces that are not placeholders alone', () => {
    expect(substitute('reply as {"ok": true} or { name }', pool)).toBe('reply as {"ok": true} or { name }');
    expect(substitute('{1abc} {', pool)).toBe('{1abc} {');
  });

  it('never re-expands a substituted value', () => {
    expect(substitute('note: {tricky}', pool)).toBe('note: contains {api_secret}');
    expect(substitute('{tricky}', pool)).toBe('contains {api_secret}');
  });

  it('substitutes deeply in arrays and objects, but never keys', () => {
    const body = { '{customer_name}': '{customer_name}', list: ['{amount}', { deep: 'x{amount}' }], n: 3, flag: false, none: null };
    expect(substitute(body, pool)).toEqual({
      '{customer_name}': 'Rahul',
      list: [499, { deep: 'x499' }],
      n: 3,
      flag: false,
      none: null,
    });
  });

  it('does not mutate its input or alias pool objects', () => {
    const input = { c: '{customer}' };
    const out = substitute(input, pool) as unknown as { c: { name: string } };
    out.c.name = 'changed';
    expect(input).toEqual({ c: '{customer}' });
    expect(substitute('{customer.name}', pool)).toBe('Asha');
  });
});

describe('findPlaceholders', () => {
  it('lists unique names in order, deep, ignoring escapes and keys', () => {
    const value = {
      url: 'https://x/{lead_id}?t={token}',
      '{key}': ['{{escaped}}', '{lead_id} {customer.name}', 7],
    };
    expect(findPlaceholders(value)).toEqual(['lead_id', 'token', 'customer.name']);
  });
});
