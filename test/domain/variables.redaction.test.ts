import { describe, expect, it } from 'vitest';
import { redactSecrets, secretValuesOf } from '../../src/domain/variables.ts';

describe('redactSecrets', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactSecrets('token tok_123 then tok_123 and key-abc', ['tok_123', 'key-abc'])).toBe('token *** then *** and ***');
  });

  it('prefers the longest secret when one contains another', () => {
    expect(redactSecrets('abcd-efgh', ['abcd', 'abcd-efgh'])).toBe('***');
  });

  it('treats secrets as text, not patterns', () => {
    expect(redactSecrets('p4$$.w0rd* and p4$$Xw0rd*', ['p4$$.w0rd*'])).toBe('*** and p4$$Xw0rd*');
  });

  it('also catches JSON-escaped and URL-encoded forms', () => {
    const secret = 'a"b/c d&e';
    expect(redactSecrets(JSON.stringify({ token: secret }), [secret])).toBe('{"token":"***"}');
    expect(redactSecrets(`https://x/?k=${encodeURIComponent(secret)}`, [secret])).toBe('https://x/?k=***');
  });

  it('skips empty and very short values', () => {
    expect(redactSecrets('1 yes abc', ['', '1', 'yes'])).toBe('1 yes abc');
  });
});

describe('secretValuesOf', () => {
  it('collects credential and template-secret values as strings', () => {
    expect(secretValuesOf({ credentials: { a: 'one', n: 12345, z: null }, secrets: { b: 'two' } })).toEqual(['one', '12345', 'two']);
  });
});
