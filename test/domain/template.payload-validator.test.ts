import { describe, expect, it } from 'vitest';
import { checkJsonSchema, compilePayloadValidator } from '../../src/domain/template/index.ts';

const schema = {
  type: 'object',
  properties: {
    customer_name: { type: 'string' },
    appointment_date: { type: 'string', format: 'date' },
    items: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } } },
    meta: { type: 'object', properties: { '0': { type: 'string' } } },
  },
  required: ['customer_name'],
};

describe('compilePayloadValidator', () => {
  it('returns no issues for a valid payload', () => {
    expect(compilePayloadValidator(schema)({ customer_name: 'Rahul', appointment_date: '2026-02-01' })).toEqual([]);
  });

  it('reports every issue with loc under body.payload, FastAPI-style', () => {
    const issues = compilePayloadValidator(schema)({ appointment_date: 'tomorrow', items: [{ qty: 1 }, { qty: 0 }], meta: { '0': 5 } });
    expect(issues).toEqual([
      { loc: ['body', 'payload', 'customer_name'], type: 'missing', msg: "must have required property 'customer_name'" },
      { loc: ['body', 'payload', 'appointment_date'], type: 'json_schema.format', msg: 'must match format "date"' },
      // Array positions are numbers; an object key that looks like a number stays a string.
      { loc: ['body', 'payload', 'items', 1, 'qty'], type: 'json_schema.minimum', msg: 'must be >= 1' },
      { loc: ['body', 'payload', 'meta', '0'], type: 'json_schema.type', msg: 'must be string' },
    ]);
  });

  it('locates an unexpected property at the property', () => {
    const validate = compilePayloadValidator({ type: 'object', additionalProperties: false }, { locPrefix: ['response'] });
    expect(validate({ extra: 1 })).toEqual([
      { loc: ['response', 'extra'], type: 'json_schema.additionalProperties', msg: 'must NOT have additional properties' },
    ]);
  });

  it('caches validators per schema JSON', () => {
    const a = compilePayloadValidator({ type: 'object', required: ['x'] });
    const b = compilePayloadValidator({ type: 'object', required: ['x'] });
    expect(a({})).toEqual(b({}));
    expect(a({ x: 1 })).toEqual([]);
  });

  it('honours 2020-12 keywords', () => {
    const validate = compilePayloadValidator({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
    });
    expect(validate(['ok'])).toEqual([]);
    expect(validate([1])).toHaveLength(1);
  });

  it('throws for a schema that does not compile', () => {
    expect(() => compilePayloadValidator({ type: 'nope' })).toThrow(/schema is invalid/);
  });
});

describe('checkJsonSchema', () => {
  it('returns null for a valid schema and a message for an invalid one', () => {
    expect(checkJsonSchema({ type: 'string', format: 'email' })).toBeNull();
    expect(checkJsonSchema({ type: 'string', minLength: 'two' })).toContain('schema/minLength must be integer');
  });
});
