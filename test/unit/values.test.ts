// Did-you-mean suggestions (src/config/values.ts suggest / editDistance).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { editDistance, suggest } from '../../src/config/values.js';

const names = ['ProxyPass', 'ProxyPassMatch', 'ProxyPassReverse', 'ServerName', 'ServerAlias', 'Listen', 'RewriteRule', 'RewriteCond'];

test('editDistance: Levenshtein, and the limit cuts it short', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('abc', 'abc'), 0);
  assert.equal(editDistance('kitten', 'sitting', 2), 2);
  assert.equal(editDistance('a', 'abcdef', 3), 3);
  assert.equal(editDistance('kitten', 'sitting', 10), 3);
});

test('suggest: the closest name within a small distance, case-insensitively', () => {
  assert.equal(suggest('ProxyPasss', names), 'ProxyPass');
  assert.equal(suggest('proxypassmatc', names), 'ProxyPassMatch');
  assert.equal(suggest('servernam', names), 'ServerName');
  assert.equal(suggest('Lsten', names), 'Listen');
  assert.equal(suggest('Completely', names), undefined);
  assert.equal(suggest('', names), undefined);
});

test('suggest: a huge unknown name costs no quadratic time and gets no suggestion', () => {
  const long = 'X'.repeat(20_000);
  const many = Array.from({ length: 500 }, (_, i) => `Directive${i}`);
  const t = performance.now();
  assert.equal(suggest(long, many), undefined);
  assert.equal(suggest('ProxyPass' + 'a'.repeat(56), names), undefined); // 65 chars
  assert.ok(performance.now() - t < 50, `took ${performance.now() - t} ms`);
});

test('suggest: names far longer or shorter than every candidate are skipped by length', () => {
  const t = performance.now();
  for (let i = 0; i < 200; i++) suggest('Y'.repeat(60), names);
  assert.ok(performance.now() - t < 100, `took ${performance.now() - t} ms`);
});
