// RewriteRules in <Directory> sections (src/rewrite/fixup.ts directoriesFor, plan.ts directorySections), as apache2
// 2.4.71 runs them (test/conformance/request-cases/rw-directory): only for requests mapped to DocumentRoot + path,
// shortest directory first and before <Location>, the section's directory stripped from the file name.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { route } from '../../src/route/route.js';
import type { Decision } from '../../src/route/types.js';
import { makeConfDir } from '../helpers/conf-dir.js';
import { factsOf, planOf } from '../helpers/rewrite.js';

const dir = makeConfDir('tsproxyd-rwdir-');
after(() => dir.remove());
const WWW = dir.root;

const CONF = `ServerName localhost
DocumentRoot ${WWW}
ProxyPass /b/ http://127.0.0.1:9/b/
RewriteEngine on
<Directory />
RewriteRule ^proxy:(.*)$ http://127.0.0.1:9/dirproxy [P]
RewriteRule root-(.*)$ /b/rootdir/$1 [PT]
</Directory>
<Directory ${WWW}>
RewriteRule ^docs-(.*)$ /b/docs/$1 [PT]
RewriteRule ^rel-(.*)$ b/rel/$1
</Directory>
<Directory ${WWW}/*/>
RewriteRule ^w-(.*)$ /b/wild/$1 [PT]
</Directory>
<Directory /elsewhere>
RewriteRule ^(.*)$ /b/elsewhere [PT]
</Directory>
<Location /loc>
RewriteRule loc-(.*)$ /b/loc/$1 [PT]
</Location>
`;

const where = (d: Decision) => (d.kind === 'forward' ? d.path : `${d.status}`);

describe('<Directory> rules', () => {
  const plan = planOf(CONF);
  const cases: [string, string][] = [
    ['/b/x', '/b/x'], // proxied: no directory rule runs (not even ^proxy:)
    ['/root-y', '404'], // <Directory DocumentRoot> has rules, so <Directory />'s do not run below it
    ['/docs-z', '/b/docs/z'],
    ['/rel-q', '/b/rel/q'], // relative: DocumentRoot/b/rel/q, DocumentRoot stripped, routed again
    ['/site/w-1', '/b/wild/1'], // the wildcard section, the longer path, comes last and decides
    ['/site/docs-1', '404'],
    ['/loc/loc-1', '/b/loc/1'], // <Location> after <Directory>
    ['/nothing', '404'],
  ];
  for (const [target, want] of cases) test(`${target} → ${want}`, () => assert.equal(where(route(plan, factsOf({ target }))), want));

  test('a server whose only rules are in <Directory> still runs them', () => {
    const p = planOf(`ServerName localhost\nDocumentRoot ${WWW}\nProxyPass /b/ http://127.0.0.1:9/b/\nRewriteEngine on\n<Directory ${WWW}>\nRewriteRule ^x$ /b/y [PT]\n</Directory>\n`);
    assert.equal(where(route(p, factsOf({ target: '/x' }))), '/b/y');
  });

  test('sections whose rules tsproxyd does not run get a warning', () => {
    const r = loadConfig({ file: '/x.conf', text: 'RewriteEngine on\n<DirectoryMatch "^/x">\nRewriteRule ^a b\n</DirectoryMatch>\n<Directory /y>\nRewriteRule ^a b\n</Directory>\n', env: {} });
    const w = r.diagnostics.filter((d) => d.code === 'TSP_REWRITE_SECTION_NOT_RUN').map((d) => d.loc.line);
    assert.deepEqual(w, [3]);
  });
});
