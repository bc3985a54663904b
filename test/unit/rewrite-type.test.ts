// [T=type], [H=handler] and [DPI] in front of a proxy, as apache2 2.4.71 behaves
// (test/conformance/request-cases/rw-type-handler): [T] is remembered by rules that rewrite or say '-' (not by [P],
// [R] or an absolute URL), expanded and lower-cased, and becomes the Content-Type of a backend response that has
// none; [H] only gets a --check warning; [DPI] changes nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { route } from '../../src/route/route.js';
import { factsOf, planOf, rewritePlan, run } from '../helpers/rewrite.js';

describe('[T]', () => {
  const cases: [string, string, string | undefined][] = [
    ['RewriteRule ^/a/(.*) - [T=Text/X-$1]', '/a/Abc', 'text/x-abc'],
    ['RewriteRule ^/a/(.*) /b/$1 [PT,T=text/plain]', '/a/x', 'text/plain'],
    ['RewriteRule ^/a/(.*) http://b/$1 [P,T=text/plain]', '/a/x', undefined],
    ['RewriteRule ^/a/(.*) /b/$1 [R,T=text/plain]', '/a/x', undefined],
    ['RewriteRule ^/a/(.*) http://elsewhere/$1 [T=text/plain]', '/a/x', undefined],
    ['RewriteRule ^/a/ - [T=text/early]\nRewriteRule ^/a/(.*) http://b/$1 [P]', '/a/x', 'text/early'],
    ['RewriteRule ^/a/ - [T=text/one]\nRewriteRule ^/a/ - [T=text/two]', '/a/x', 'text/two'],
    ['RewriteRule ^/a/(.*) - [T=$2]', '/a/x', undefined],
    ['RewriteRule ^/z - [T=text/plain]', '/a/x', undefined],
  ];
  for (const [rules, target, type] of cases) {
    test(`${rules.replace('\n', ' ; ')} on ${target}`, () => assert.equal(run(rewritePlan(rules), target).forcedType, type));
  }

  test('a proxied response without Content-Type gets it: a setifempty operation ahead of the Header rules', () => {
    const plan = planOf('ServerName localhost\nProxyPass /b/ http://127.0.0.1:9/b/\nHeader set X-A 1\nRewriteEngine on\nRewriteRule ^/b/ - [T=text/x-forced]\n');
    const d = route(plan, factsOf({ target: '/b/x' }));
    assert.equal(d.kind, 'forward');
    const ops = d.settings?.responseHeaders ?? [];
    assert.deepEqual(ops[0], { table: 'onsuccess', action: 'setifempty', header: 'Content-Type', value: [{ kind: 'text', text: 'text/x-forced' }] });
    assert.equal(ops[1]?.header, 'X-A');
    const other = route(plan, factsOf({ target: '/c' }));
    assert.equal(other.kind === 'respond' && other.settings?.responseHeaders.some((o) => o.header === 'Content-Type'), false);
  });
});

describe('[H] and [DPI]', () => {
  test('[H] is accepted with a warning; [DPI] silently', () => {
    const r = loadConfig({ file: '/x.conf', text: 'RewriteEngine on\nRewriteRule ^/a /b [PT,H=text/plain]\nRewriteRule ^/c /d [PT,DPI]\n', env: {} });
    assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
    const w = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.loc.line}: ${d.message}`);
    assert.deepEqual(w, ['2: RewriteRule: [H=text/plain] has no effect in tsproxyd: a proxied request is served by mod_proxy whatever the handler (as in httpd), and tsproxyd runs no other handler']);
  });

  test('[DPI] and [H] change nothing in the outcome', () => {
    assert.equal(run(rewritePlan('RewriteRule ^/a/(.*) /b/$1 [PT,DPI,H=x]'), '/a/q').kind, 'passthrough');
  });
});
