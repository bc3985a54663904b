// RewriteRules in <Location> sections (src/rewrite/fixup.ts, the fixup phase), checked against apache2 2.4.71
// (test/conformance/request-cases/rw-location).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { route } from '../../src/route/route.js';
import type { Decision } from '../../src/route/types.js';
import { substPrefixPath } from '../../src/rewrite/fixup.js';
import { factsOf, planOf, type Req } from '../helpers/rewrite.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const B = '127.0.0.1:9101';
const dir = makeConfDir('tsproxyd-loc-');
const DOCROOT = dir.root;

function summary(d: Decision): string {
  if (d.kind === 'forward') return `${d.backend.scheme}://${d.backend.host}:${d.backend.port}${d.path}`;
  const location = d.headers?.find(([n]) => n === 'Location')?.[1];
  return location !== undefined ? `${d.status} ${location}` : String(d.status);
}

const CONF = `DocumentRoot ${DOCROOT}
ProxyPass /pp/ http://${B}/pp/
RewriteEngine on
<Location /a>
RewriteRule x$ /pp/ax
</Location>
<Location /a/sub>
ProxyPreserveHost On
</Location>
<Location /b>
RewriteBase /pp/base
RewriteRule b/(.*)$ rel/$1
</Location>
<Location /c>
RewriteRule (\\w+)$ c-rel/$1 [R]
</Location>
<Location /d>
RewriteBase /pp/
RewriteRule (\\w+)$ d-rel/$1 [R=301]
</Location>
<Location /e>
RewriteRule .* /e/again
</Location>
<Location /f>
RewriteRule .* /pp/f?v=%{ENV:REDIRECT_X}|%{ENV:SCRIPT_URL}|%{ENV:REDIRECT_SCRIPT_URL} [E=X:1]
</Location>
<Location /g>
RewriteEngine off
RewriteRule .* /pp/g
</Location>
<Location /pp/h>
RewriteRule ^proxy:http://([^/]*)/pp/h(.*)$ http://$1/pp/hh$2 [P]
</Location>
<Location /pp/q>
RewriteRule .* /pp/qq [L]
</Location>
<Location /whole>
RewriteRule ^(.*)$ http://${B}/got?f=$1 [P,B]
</Location>
<Location /ck>
RewriteRule .* /pp/ck [CO=loc:1:example.com]
</Location>
`;
const plan = planOf(CONF);
const go = (q: Req | string) => route(plan, factsOf(typeof q === 'string' ? { target: q } : q));

describe('<Location> RewriteRules', () => {
  const cases: [string, string][] = [
    ['/a/x?z=1', `http://${B}/pp/ax?z=1`],
    ['/a/y', '404'],
    ['/a/sub/x', `http://${B}/pp/ax`],
    ['/b/q?k=1', `http://${B}/pp/base/rel/q?k=1`],
    ['/c/q', '302 http://localhost/c/c-rel/q'],
    ['/d/q', '301 http://localhost/pp/d-rel/q'],
    ['/e/q', '500'],
    ['/f/q', `http://${B}/pp/f?v=|/f/q|`],
    ['/g/x', '404'],
    ['/pp/h/x?y=1', `http://${B}/pp/hh/x?y=1`],
    ['/pp/q/z', `http://${B}/pp/qq`],
  ];
  for (const [target, expected] of cases) test(target, () => assert.equal(summary(go(target)), expected));

  test('the file name is DocumentRoot + path', () => {
    const esc = DOCROOT.replace(/[^A-Za-z0-9_]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    assert.equal(summary(go('/whole/w')), `http://${B}/got?f=${esc}%2fwhole%2fw`);
  });

  test('cookies survive the internal redirect', () => {
    const d = go('/ck/x');
    assert.equal(d.kind, 'forward');
    assert.deepEqual(d.settings?.responseHeaders.map((o) => o.header), ['Set-Cookie']);
  });

  test('the environment is renamed REDIRECT_* by an internal redirect', () => {
    const d = go('/f/q');
    assert.equal(d.env?.get('REDIRECT_X'), '1');
    assert.equal(d.env?.get('REDIRECT_SCRIPT_URL'), '/f/q');
    assert.equal(d.env?.get('SCRIPT_URL'), '/f/q');
  });
});

describe('subst_prefix_path', () => {
  test('the directory at the start is replaced', () => {
    assert.equal(substPrefixPath('/b/rel/q', '/b/', '/pp/base'), '/pp/base/rel/q');
    assert.equal(substPrefixPath('/b/rel/q', '/b', '/pp/base/'), '/pp/base/rel/q');
    assert.equal(substPrefixPath('/bb/q', '/b/', '/x'), '/bb/q');
    assert.equal(substPrefixPath('d/d-rel/q', 'd/', 'pp/'), 'pp/d-rel/q');
  });
});

test('cleanup', () => dir.remove());
