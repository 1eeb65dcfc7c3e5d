// Canonical JSON follows RFC 8785 (JCS): its published examples, and agreement with a plain
// reference writer on random values, including the integer-like keys JavaScript enumerates
// out of string order (the case where JSON.stringify alone would not be canonical).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/records/index.js';
import { fcParams } from '../support/seed.js';

/** The obvious recursive writer: sorted keys, JSON.stringify for everything else. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${reference(record[k])}`).join(',')}}`;
}

const keyArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.nat({ max: 200 }).map(String), fc.constantFrom('__proto__', '1a', '01', '-1'));
const valueArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: 'binary' }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
})).value;

describe('canonical JSON', () => {
  test('RFC 8785 section 3.2.2: numbers, escapes and literals, sorted', () => {
    const input = String.raw`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`;
    const canonical = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    assert.equal(canonicalJson(JSON.parse(input)), canonical);
  });
  test('RFC 8785 section 3.2.3: keys sort by UTF-16 code units, not code points', () => {
    const input = String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`;
    const order = ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh'];
    // Read the order off the text: parsing it again would re-enumerate "1" first.
    const values = [...canonicalJson(JSON.parse(input)).matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(values, order);
  });
  test('integer-like keys sort as strings ("10" before "9"), not in enumeration order', () => {
    assert.equal(canonicalJson({ 9: 'a', 10: 'b', x: { 2: 0, 10: 0 } }), '{"10":"b","9":"a","x":{"10":0,"2":0}}');
  });
  test('numbers take the shortest form that round-trips: -0 is 0, 1.0 is 1', () => {
    assert.equal(canonicalJson([-0, 1.0, -1.5e-7, 2 ** 60, 1e21, 1e-6]), '[0,1,-1.5e-7,1152921504606847000,1e+21,0.000001]');
  });
  test('a "__proto__" key is an ordinary key', () => {
    const value = JSON.parse('{"b":1,"__proto__":{"x":1}}') as unknown;
    assert.equal(canonicalJson(value), '{"__proto__":{"x":1},"b":1}');
  });
  test('a null-prototype object is a plain object', () => {
    const value = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    assert.equal(canonicalJson(value), '{"a":2,"b":1}');
  });
  test('random values give the reference text, and parsing it back gives the same text', () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        const text = canonicalJson(value);
        assert.equal(text, reference(value));
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }),
      fcParams({ numRuns: 500 }),
    );
  });
});
