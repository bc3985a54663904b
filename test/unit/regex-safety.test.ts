// The ReDoS warning: nested unbounded repetition is flagged, delimited repetition is not, and --check reports
// it on the directives whose regexes see request data.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { nestedQuantifier } from '../../src/config/regex-safety.js';
import { makeConfDir } from '../helpers/conf-dir.js';

const flagged = ['^(a+)+$', '(.*)*x', '(\\w+)*$', '((ab)+)+', '(x+){2,}', '(?:a+)+', '^/(.+)+/end$'];
const fine = ['^([a-z0-9-]+\\.)*example\\.com$', '^/(.*)/(.*)$', '^/?(.*)', '(a|b)*', '^/(myApp/ws)$', '([^/]+)/*', '[(a+)]+', '\\(a+\\)+', '(a{1,3})+'];

for (const re of flagged) test(`flagged: ${re}`, () => assert.ok(nestedQuantifier(re)));
for (const re of fine) test(`not flagged: ${re}`, () => assert.equal(nestedQuantifier(re), undefined));

const dir = makeConfDir();
after(() => dir.remove());

test('--check warns (never errors) on ProxyPassMatch, RewriteRule, RewriteCond, LocationMatch, SetEnvIf', () => {
  const file = dir.write(
    'redos.conf',
    [
      'ProxyPassMatch ^/(a+)+$ http://b/',
      'RewriteEngine On',
      'RewriteCond %{HTTP:X} ^(\\w+)*$',
      'RewriteRule ^/(.*)*x /y',
      '<LocationMatch "^/(x+)+">',
      '</LocationMatch>',
      'SetEnvIf User-Agent "(a+)+" bad',
      'ProxyPassMatch ^/ok/(.*)$ http://b/$1',
    ].join('\n'),
  );
  const r = loadConfig({ file, serverRoot: dir.root, env: {} });
  assert.equal(r.errors, 0);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.code === 'TSP_REGEX_REDOS').map((d) => d.loc.line),
    [1, 3, 4, 5, 7],
  );
});
