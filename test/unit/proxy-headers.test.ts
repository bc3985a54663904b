// Header machinery of the forwarder: apr_table semantics, mod_headers actions, ProxyPassReverse rules, pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHeaderFormat, type HeaderOp } from '../../src/modules/headers/directives.js';
import { errorPage } from '../../src/proxy/error-page.js';
import { HeaderList } from '../../src/proxy/header-list.js';
import { applyHeaderOps, type HeaderOpContext } from '../../src/proxy/header-ops.js';
import { stripHopByHop } from '../../src/proxy/hop-by-hop.js';
import { splitHost } from '../../src/proxy/host-port.js';
import { reverseMapCookie, reverseMapUrl } from '../../src/proxy/reverse-map.js';
import { checkRequestLimits, DEFAULT_LIMITS } from '../../src/server/limits.js';

const ctx: HeaderOpContext = { env: new Map([['TAG', 'x']]), requestTimeUs: 1_700_000_000_000_000, startedAt: process.hrtime.bigint() };
const op = (action: HeaderOp['action'], header: string, value?: string, extra: Partial<HeaderOp> = {}): HeaderOp => {
  const v = value === undefined ? undefined : parseHeaderFormat(value);
  if (typeof v === 'string') throw new Error(v);
  return { table: 'request', action, header, ...(v ? { value: v } : {}), ...extra };
};
const run = (start: [string, string][], ops: HeaderOp[]): [string, string][] => {
  const l = new HeaderList(start.map((f) => [...f] as [string, string]));
  applyHeaderOps(ops, l, ctx);
  return l.fields;
};

const cases: { name: string; start: [string, string][]; ops: HeaderOp[]; want: [string, string][] }[] = [
  { name: 'set replaces the first in place and drops the rest', start: [['A', '1'], ['B', '2'], ['a', '3']], ops: [op('set', 'a', 'v')], want: [['A', 'v'], ['B', '2']] },
  { name: 'set appends when absent', start: [['B', '2']], ops: [op('set', 'A', 'v')], want: [['B', '2'], ['A', 'v']] },
  { name: 'setifempty only when absent', start: [['A', '1']], ops: [op('setifempty', 'A', 'v'), op('setifempty', 'C', 'c')], want: [['A', '1'], ['C', 'c']] },
  { name: 'append joins with ", "', start: [['A', '1']], ops: [op('append', 'A', '2')], want: [['A', '1, 2']] },
  { name: 'merge skips a value already present (quotes respected)', start: [['A', 'x, "y,z"']], ops: [op('merge', 'A', 'x'), op('merge', 'A', '"y,z"'), op('merge', 'A', 'w')], want: [['A', 'x, "y,z", w']] },
  { name: 'add duplicates', start: [['A', '1']], ops: [op('add', 'A', '2')], want: [['A', '1'], ['A', '2']] },
  { name: 'unset removes every field', start: [['A', '1'], ['B', '2'], ['a', '3']], ops: [op('unset', 'A')], want: [['B', '2']] },
  { name: 'edit once per value, results moved to the end', start: [['A', 'aaa'], ['B', '2']], ops: [op('edit', 'A', undefined, { regex: /a/, replacement: [{ kind: 'text', text: '<$0>' }] })], want: [['B', '2'], ['A', '<a>aa']] },
  { name: 'edit* every match, $1 groups', start: [['A', 'k=1;k=2']], ops: [op('edit*', 'A', undefined, { regex: /k=(\d)/, replacement: [{ kind: 'text', text: 'v$1' }] })], want: [['A', 'v1;v2']] },
  { name: 'formats: %{VAR}e, unset var "(null)", %%, %t', start: [], ops: [op('set', 'X', '%{TAG}e %{NOPE}e %% %t')], want: [['X', 'x (null) % t=1700000000000000']] },
  { name: 'env= and env=! conditions', start: [], ops: [op('set', 'Y', '1', { condition: { kind: 'env', name: 'TAG', negate: false } }), op('set', 'Z', '1', { condition: { kind: 'env', name: 'TAG', negate: true } })], want: [['Y', '1']] },
  { name: 'expr= conditions are not evaluated: the op is skipped', start: [], ops: [op('set', 'E', '1', { condition: { kind: 'expr', source: 'true' } })], want: [] },
];
for (const c of cases) test(`mod_headers: ${c.name}`, () => assert.deepEqual(run(c.start, c.ops), c.want));

test('HeaderList.mergedFromRaw merges repeats into the first position, first spelling kept', () => {
  assert.deepEqual(HeaderList.mergedFromRaw(['Cookie', 'a=1', 'X-Mid', '1', 'cookie', 'b=2']).fields, [['Cookie', 'a=1, b=2'], ['X-Mid', '1']]);
});

test('hop-by-hop: fixed set and Connection nominees; malformed Connection values never throw', () => {
  const l = HeaderList.fromRaw(['Connection', 'close, X-A,,; ,b c', 'X-A', '1', 'Keep-Alive', '1', 'TE', 't', 'Trailer', 'x', 'Upgrade', 'u', 'Proxy-Connection', 'p', 'X-B', '2', 'Transfer-Encoding', 'chunked']);
  stripHopByHop(l);
  assert.deepEqual(l.fields, [['X-B', '2']]);
  for (const v of [',,,', ';', '', 'x'.repeat(4096), Array.from({ length: 500 }, (_, i) => `t${i}`).join(',')]) stripHopByHop(HeaderList.fromRaw(['Connection', v]));
});

test('splitHost', () => {
  assert.deepEqual(splitHost('a.example:8080'), { name: 'a.example', port: 8080 });
  assert.deepEqual(splitHost('[::1]:81'), { name: '[::1]', port: 81 });
  assert.deepEqual(splitHost('[::1]'), { name: '[::1]', port: undefined });
  assert.deepEqual(splitHost('a'), { name: 'a', port: undefined });
});

const loc = { file: 't', line: 1, col: 1 };
const self = { scheme: 'http' as const, name: 'front', portSuffix: ':8080' };
test('ProxyPassReverse: case-insensitive prefix, first rule wins, relative results made absolute', () => {
  const rules = [
    { path: '/a', url: 'http://b:1/', interpolate: false, loc },
    { path: '/', url: 'http://b:1/', interpolate: false, loc },
    { path: '/p', url: '/in/', interpolate: false, loc },
  ];
  assert.equal(reverseMapUrl('HTTP://B:1/x', rules, self), 'http://front:8080/ax');
  assert.equal(reverseMapUrl('http://other/x', rules, self), 'http://other/x');
  assert.equal(reverseMapUrl('http://c/in/y', rules, self), 'http://front:8080/py'); // path-only rule: the path part
  assert.equal(reverseMapUrl('http://b:1/x', [{ path: 'https://pub/', url: 'http://b:1/', interpolate: false, loc }], self), 'https://pub/x');
});

test('ProxyPassReverseCookieDomain (suffix, case-insensitive) and Path (prefix): whole value replaced', () => {
  const rules = { domain: [{ from: 'internal.example', to: 'public.example' }], path: [{ from: '/app', to: '/' }] };
  assert.equal(reverseMapCookie('s=1; Domain=WWW.Internal.Example; Path=/app/x; Secure', rules), 's=1; Domain=public.example; Path=/; Secure');
  assert.equal(reverseMapCookie('s=1; path=/other', rules), 's=1; path=/other');
});

test('error pages: httpd structure, reasons escaped', () => {
  const p = errorPage(502, { proxyReason: '<b>' });
  assert.equal(p.reasonPhrase, 'Proxy Error');
  assert.ok(p.body.includes('Reason: <strong>&lt;b&gt;</strong>'));
  assert.equal(errorPage(503).close, true);
  assert.equal(errorPage(502).close, false);
  assert.equal(errorPage(405, { method: 'P<T' }).body.includes('P&lt;T'), true);
});

test('request limits: line 414, field 400, count 400', () => {
  assert.equal(checkRequestLimits('GET', '/' + 'a'.repeat(8190), '1.1', [], DEFAULT_LIMITS)?.status, 414);
  assert.equal(checkRequestLimits('GET', '/', '1.1', ['X', 'a'.repeat(8190)], DEFAULT_LIMITS)?.status, 400);
  assert.equal(checkRequestLimits('GET', '/', '1.1', Array.from({ length: 202 }, (_, i) => `h${i}`), DEFAULT_LIMITS)?.notes, "The number of request header fields exceeds this server's limit.");
  assert.equal(checkRequestLimits('GET', '/', '1.1', ['Host', 'h'], DEFAULT_LIMITS), undefined);
});
