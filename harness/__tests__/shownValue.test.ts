import {shownValue} from '../shownValue';

describe('shownValue', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;

  it.each<[string, unknown, string]>([
    ['a string', 'ab"c', '"ab\\"c"'],
    ['a number', 12.5, '12.5'],
    ['NaN', NaN, 'NaN'],
    ['Infinity', -Infinity, '-Infinity'],
    ['a BigInt (which JSON throws on)', 10n, '10n'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a function', () => 1, 'a function'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['an object', {a: [1, true]}, '{"a":[1,true]}'],
    ['an object with a BigInt in it', {a: 1n}, 'an object'],
    ['a cyclic object', cyclic, 'an object'],
    ['a revoked proxy', (() => { const {proxy, revoke} = Proxy.revocable([], {}); revoke(); return proxy; })(), 'an object'],
  ])('%s', (_name, value, shown) => {
    expect(shownValue(value)).toBe(shown);
  });
});
