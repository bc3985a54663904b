// RewriteMap at request time (src/rewrite/map-store.ts) and the escaping helpers (src/rewrite/escape.ts); the map
// behaviours were checked against apache2 2.4.71 (test/conformance/request-cases/rw-maps).
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { absoluteUriScheme, escapeAbsoluteUri, escapeBackref, escapeUri, unescapeUrl } from '../../src/rewrite/escape.js';
import { MapStore, parseTxtMap } from '../../src/rewrite/map-store.js';
import { buildCookie } from '../../src/rewrite/cookie.js';
import type { RewriteMapDef } from '../../src/modules/rewrite/model.js';
import { makeConfDir } from '../helpers/conf-dir.js';
import { rewritePlan, run, summary } from '../helpers/rewrite.js';

const LOC = { file: 'x.conf', line: 1, col: 1 };
const dir = makeConfDir('tsproxyd-maps-');
after(() => dir.remove());

describe('txt maps', () => {
  test('first word is the key, second the value; comments, indented lines and repeats are skipped', () => {
    const m = parseTxtMap('# c\nalice /home/alice\nbob  v  ignored\n  carol x\nalice second\n\tdave y\nnovalue\n');
    assert.deepEqual([...m], [['alice', '/home/alice'], ['bob', 'v']]);
  });

  test('lookups, and a file changed on disk is read again', async () => {
    const file = dir.write('users.map', 'k v1\n');
    const store = new MapStore(new Map<string, RewriteMapDef>([['m', { name: 'm', type: 'txt', file, loc: LOC }]]));
    assert.equal(store.lookup('m', 'k').value, 'v1');
    assert.equal(store.lookup('m', 'zz').value, undefined);
    assert.equal(store.lookup('nope', 'k').value, undefined);
    dir.write('users.map', 'k v2\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    await new Promise((r) => setTimeout(r, 1100)); // re-checked at most once a second
    assert.equal(store.lookup('m', 'k').value, 'v2');
  });

  test('rnd: one of the alternatives; an empty pick fails the lookup', () => {
    const file = dir.write('pick.map', 'k a|b|c\ne |\n');
    let n = 0;
    const picks = [0.1, 0.5, 0.9];
    const store = new MapStore(new Map<string, RewriteMapDef>([['r', { name: 'r', type: 'rnd', file, loc: LOC }]]), () => picks[n++ % 3]!);
    assert.deepEqual([1, 2, 3].map(() => store.lookup('r', 'k').value), ['a', 'b', 'c']);
    assert.equal(store.lookup('r', 'e').value, undefined);
  });

  test('int functions', () => {
    const defs = new Map<string, RewriteMapDef>(
      (['toupper', 'tolower', 'escape', 'unescape'] as const).map((func) => [func, { name: func, type: 'int', func, loc: LOC }]),
    );
    const store = new MapStore(defs);
    assert.equal(store.lookup('toupper', 'aBc-é').value, 'ABC-é');
    assert.equal(store.lookup('tolower', 'AbC').value, 'abc');
    assert.equal(store.lookup('escape', 'a b&c"?%').value, 'a%20b&c%22%3f%25');
    assert.equal(store.lookup('unescape', 'a%41%2x%2541%00rest').value, 'aA%2x%41');
  });

  test('prg: a lookup takes the request\'s answer: none yet or NULL fails, an empty line is an empty value', () => {
    const def: RewriteMapDef = { name: 'p', type: 'prg', file: '/bin/cat', argv: ['/bin/cat'], loc: LOC };
    const store = new MapStore(new Map<string, RewriteMapDef>([['p', def]]));
    assert.deepEqual(store.programs(), [def]);
    assert.equal(store.lookup('p', 'k').value, undefined);
    const answers = new Map<string, string | null>([['a', 'x'], ['n', null], ['e', '']]);
    const asked: string[] = [];
    const a = { answer: (d: RewriteMapDef, key: string) => (asked.push(`${d.name}:${key}`), answers.get(key)) };
    assert.deepEqual(['a', 'n', 'e', 'zz'].map((k) => store.lookup('p', k, a).value), ['x', undefined, '', undefined]);
    assert.deepEqual(asked, ['p:a', 'p:n', 'p:e', 'p:zz']);
  });
});

describe('maps in rules', () => {
  const file = dir.write('m.map', 'alice /home/alice\nq /q?x=1\n');
  const cases: [string, string, string][] = [
    ['/u/alice', `RewriteRule ^/u/(.*) /b\${m:$1|/none} [PT]`, 'pt /b/home/alice'],
    ['/u/zed', `RewriteRule ^/u/(.*) /b\${m:$1|/none-$1} [PT]`, 'pt /b/none-zed'],
    ['/u/zed', `RewriteRule ^/u/(.*) /b/\${m:$1}x [PT]`, 'pt /b/x'],
    ['/u/ALICE', `RewriteMap low int:tolower\nRewriteRule ^/u/(.*) /b\${m:\${low:$1}|/none} [PT]`, 'pt /b/home/alice'],
    ['/u/x', `RewriteRule ^/u/(.*) /b/\${nosuch:$1|dflt} [PT]`, 'pt /b/dflt'],
    ['/u/q', `RewriteRule ^/u/(.*) /b\${m:$1} [PT]`, 'status 403'],
    ['/u/q', `RewriteRule ^/u/(.*) /b\${m:$1} [PT,UnsafeAllow3F]`, 'pt /b/q?x=1'],
    ['/u/x', `RewriteRule ^/u/(.*) /b/\${m [PT]`, 'pt /b/${m'],
    ['/u/x', `RewriteRule ^/u/(.*) /b/\${nocolon} [PT]`, 'pt /b/${nocolon}'],
  ];
  for (const [target, rules, expected] of cases) {
    test(`${rules.split('\n').at(-1)} on ${target}`, () => assert.equal(summary(run(rewritePlan(`RewriteMap m txt:${file}\n${rules}`), target)), expected));
  }
});

describe('escaping', () => {
  test('ap_escape_uri keeps $-_.+!*\'(),:;@&=/~ and alphanumerics, lower-case hex', () => {
    assert.equal(escapeUri("a b\"<>%?#\x01\xe9$-_.+!*'(),:;@&=/~"), "a%20b%22%3c%3e%25%3f%23%01%e9$-_.+!*'(),:;@&=/~");
  });
  test('escape_absolute_uri leaves scheme://host/ alone', () => {
    assert.equal(escapeAbsoluteUri('http://h x/a b', 7), 'http://h x/a%20b');
    assert.equal(escapeAbsoluteUri('http://host', 7), 'http://host');
    assert.equal(escapeAbsoluteUri('mailto:a b', 7), 'mailto:a%20b');
    assert.equal(escapeAbsoluteUri('ldap://h/a b?c d?e', 7), 'ldap://h/a%20b?c%20d?e');
  });
  test('is_absolute_uri', () => {
    assert.deepEqual(absoluteUriScheme('HTTPS://x'), { length: 8, queryOk: true });
    assert.deepEqual(absoluteUriScheme('ws://x'), { length: 5, queryOk: true });
    assert.deepEqual(absoluteUriScheme('ftp://x/'), { length: 6, queryOk: false });
    assert.deepEqual(absoluteUriScheme('foo://x'), { length: 0, queryOk: false });
    assert.deepEqual(absoluteUriScheme('unix:/run/s|http://h/'), { length: 5, queryOk: true });
    assert.deepEqual(absoluteUriScheme('/http://x'), { length: 0, queryOk: false });
  });
  test('escape_backref', () => {
    const plain = { noPlus: false, controls: false };
    assert.equal(escapeBackref('a b/c_d', plain), 'a+b%2fc_d');
    assert.equal(escapeBackref('a b', { ...plain, noPlus: true }), 'a%20b');
    assert.equal(escapeBackref('a b&c', { ...plain, chars: ' &' }), 'a+b%26c');
    assert.equal(escapeBackref('a b\tc&', { ...plain, controls: true }), 'a+b%09c&');
    assert.equal(escapeBackref('a b/c', { ...plain, except: '/' }), 'a+b/c');
  });
  test('ap_unescape_url', () => {
    assert.equal(unescapeUrl('%41%zz%2'), 'A%zz%2');
  });
  test('cookies: lifetime in minutes, session cookie for 0', () => {
    const now = new Date(Date.UTC(2026, 10, 22, 3, 9, 47));
    assert.deepEqual(buildCookie('n:v:d.example:60', now), { name: 'n', value: 'n=v; path=/; domain=d.example; expires=Sun, 22-Nov-2026 04:09:47 GMT' });
    assert.deepEqual(buildCookie('n:v:d.example:0:/p:false:0:0', now), { name: 'n', value: 'n=v; path=/p; domain=d.example' });
    assert.equal(buildCookie('n:v', now), undefined);
  });
});
