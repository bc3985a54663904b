import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headersModule, parseHeaderFormat } from '../../src/modules/headers/directives.js';
import { run } from './fake-site.js';

const hdr = (name: string, ...words: string[]) => run(headersModule, name, words);
const BAD_ACTION = "first argument must be 'add', 'set', 'setifempty', 'append', 'merge', 'unset', 'echo', 'note', 'edit', or 'edit*'.";

// [directive, words, httpd 2.4.71's message]
const errors: [string, string[], string][] = [
  ['Header', [], BAD_ACTION],
  ['Header', ['foo', 'X', 'v'], BAD_ACTION],
  ['Header', ['always'], BAD_ACTION],
  ['RequestHeader', ['always', 'set', 'X', 'v'], BAD_ACTION],
  ['Header', ['set'], 'Header requires three arguments'],
  ['Header', ['set', 'X'], 'Header requires three arguments'],
  ['Header', ['note', 'X'], 'Header requires three arguments'],
  ['RequestHeader', ['set', 'X'], 'Header requires three arguments'],
  ['Header', ['set', 'X', 'v', 'bogus'], 'Unknown parameter: bogus'],
  ['Header', ['set', 'X', 'v', 'early', 'extra'], 'Too many arguments to directive'],
  ['Header', ['edit', 'X', 'a'], 'Header edit requires a match and a substitution'],
  ['Header', ['edit', 'X', 'a', 'b', 'c', 'd'], 'Header has too many arguments'],
  ['RequestHeader', ['edit', 'X', 'a', 'b', 'c', 'd'], 'RequestHeader has too many arguments'],
  ['Header', ['unset', 'X', 'v'], 'Unknown parameter: v'],
  ['Header', ['unset', 'X', 'a', 'b'], 'header unset takes two arguments'],
  ['Header', ['echo', 'X', 'a', 'b'], 'Header echo takes two arguments'],
  ['RequestHeader', ['echo', 'X'], 'Header echo only valid on Header directives'],
  ['RequestHeader', ['note', 'X'], "RequestHeader does not support the 'note' action"],
  ['Header', ['set', 'X', '%{FOO}e %t %D %Z'], 'Unrecognized header format %Z'],
  ['Header', ['set', 'X', '%{FOO}'], 'Unrecognized header format %'],
  ['Header', ['set', 'X', '%{A'], 'Unrecognized header format %'],
  ['Header', ['edit', 'X', 'a', '%Z'], 'Unrecognized header format %Z'],
  ['Header', ['set', 'X', 'v', 'env='], 'error: missing environment variable name. envclause should be in the form env=envar '],
  ['Header', ['set', 'X', 'v', 'env=!'], 'error: missing environment variable name. envclause should be in the form env=envar '],
  ['Header', ['set', 'X', 'v', 'expr='], "Can't parse envclause/expression: syntax error, unexpected $end"],
];
for (const [name, words, message] of errors) {
  test(`${name} ${words.join(' ')} → ${message}`, () => assert.equal(hdr(name, ...words).error, message));
}

test('regex errors keep httpd\'s text and add our reason', () => {
  assert.match(hdr('Header', 'edit', 'X', '(a', 'b').error!, /^Header edit regex could not be compiled: cannot compile regular expression '\(a'/);
  assert.match(hdr('Header', 'echo', '(x').error!, /^Header echo regex could not be compiled: /);
});

test('accepted forms compile into typed ops', () => {
  const r = hdr('Header', 'always', 'set', 'X-Id:', 'id=%{UNIQUE_ID}e t=%t 100%%', 'env=!NOPE');
  assert.equal(r.error, undefined);
  assert.deepEqual(r.conf.server.ops[0], {
    table: 'always',
    action: 'set',
    header: 'X-Id',
    condition: { kind: 'env', name: 'NOPE', negate: true },
    value: [
      { kind: 'text', text: 'id=' },
      { kind: 'tag', tag: 'e', arg: 'UNIQUE_ID' },
      { kind: 'text', text: ' t=' },
      { kind: 'tag', tag: 't', arg: '' },
      { kind: 'text', text: ' 100' },
      { kind: 'text', text: '%' },
    ],
  });
  const e = hdr('Header', 'edit*', 'Set-Cookie', '^(.*);\\s*secure$', '$1', 'expr=%{HTTPS} == "on"').conf.server.ops[0]!;
  assert.equal(e.action, 'edit*');
  assert.ok(e.regex?.test('a; secure'));
  assert.deepEqual(e.replacement, [{ kind: 'text', text: '$1' }]);
  assert.deepEqual(e.condition, { kind: 'expr', source: '%{HTTPS} == "on"' });
  const u = hdr('Header', 'unset', 'X', 'early').conf.server.ops[0]!;
  assert.deepEqual(u, { table: 'onsuccess', action: 'unset', header: 'X', condition: { kind: 'early' } });
  const echo = hdr('Header', 'echo', '^X-').conf.server.ops[0]!;
  assert.ok(echo.regex?.test('X-Foo'));
  const rq = hdr('RequestHeader', 'setifempty', 'X-Forwarded-Proto', 'expr=%{REQUEST_SCHEME}').conf.server.ops[0]!;
  assert.deepEqual(rq, { table: 'request', action: 'setifempty', header: 'X-Forwarded-Proto', valueExpr: '%{REQUEST_SCHEME}' });
  assert.equal(hdr('Header', 'SET', 'X', '').conf.server.ops[0]!.action, 'set');
});

test('early inside a per-directory section: httpd accepts it; we warn', () => {
  const r = run(headersModule, 'RequestHeader', ['set', 'X', 'v', 'early'], { sections: [['Location', 'Location']] });
  assert.equal(r.error, undefined);
  assert.equal(r.conf.dir?.ops.length, 1);
  assert.equal(r.conf.server.ops.length, 0);
  assert.match(r.reports[0]!.message, /never runs/);
});

test('parseHeaderFormat: a final % is literal', () => {
  assert.deepEqual(parseHeaderFormat('a%'), [{ kind: 'text', text: 'a' }, { kind: 'text', text: '%' }]);
  assert.deepEqual(parseHeaderFormat('%{x}s'), [{ kind: 'tag', tag: 's', arg: 'x' }]);
});
