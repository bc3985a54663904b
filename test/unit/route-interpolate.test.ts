// ProxyPassInterpolateEnv + `interpolate` (route/interpolate.ts, route.ts): ${VAR} from the request's environment
// (RewriteRule [E=]) in ProxyPass paths and URLs, matched in config order outside the prefix index.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsFor } from '../helpers/facts.js';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { interpolateEnv } from '../../src/route/interpolate.js';
import { route } from '../../src/route/route.js';
import type { Plan, RequestFacts } from '../../src/route/types.js';

function plan(text: string): Plan {
  const r = loadConfig({ file: '/nonexistent/interpolate-test.conf', text, env: {} });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return compilePlan(r.model);
}

const facts = (target: string): RequestFacts => factsFor(target);

function outcome(p: Plan, target: string): string {
  const d = route(p, facts(target));
  if (d.kind === 'respond') return String(d.status);
  return `${d.backend.key}${d.path}${d.backend.params.disableReuse === true ? ' (no reuse)' : ''}`;
}

describe('interpolateEnv (httpd proxy_interpolate)', () => {
  const env = new Map([['A', 'x'], ['B', '${A}']]);
  for (const [text, want] of [
    ['/p/${A}/q', '/p/x/q'],
    ['${A}${A}', 'xx'],
    ['/${NOPE}/', '//'],
    ['/${A', '/${A'],
    ['/${A}/${B}', '/x/${A}'], // a value is not scanned again
    ['/no-vars/', '/no-vars/'],
    ['$A {A}', '$A {A}'],
  ] as const) {
    test(`${text} -> ${want}`, () => assert.equal(interpolateEnv(text, env), want));
  }
});

describe('ProxyPass interpolate', () => {
  const conf = (onOff: string) => `
ProxyPassInterpolateEnv ${onOff}
RewriteEngine on
RewriteRule ^/ - [E=BE:b.test:81,E=PRE:dyn]
ProxyPass /static/ http://s.test:80/static/
ProxyPass /\${PRE}/ http://\${BE}/\${PRE}-in/ interpolate
ProxyPass /dyn/ http://s.test:80/shadowed/
ProxyPass / http://s.test:80/root/
`;
  test('On: the path and the URL take the request environment, in config order', () => {
    const p = plan(conf('On'));
    assert.equal(outcome(p, '/dyn/a'), 'http://b.test:81 (default worker)/dyn-in/a (no reuse)');
    assert.equal(outcome(p, '/static/a'), 'http://s.test:80/static/a');
    assert.equal(outcome(p, '/other'), 'http://s.test:80/root/other');
  });
  test('Off: the keyword alone changes nothing (the later /dyn/ rule matches)', () => {
    const p = plan(conf('Off'));
    assert.equal(outcome(p, '/dyn/a'), 'http://s.test:80/shadowed/a');
  });
  test('an interpolated URL that names a configured worker uses it (its pool and keys)', () => {
    const p = plan(`
ProxyPassInterpolateEnv On
RewriteEngine on
RewriteRule ^/ - [E=SUB:w]
ProxyPass /known/ http://s.test:80/w/ keepalive=On
ProxyPass /i/ http://s.test:80/\${SUB}/ interpolate
`);
    assert.equal(outcome(p, '/i/z'), 'http://s.test:80/w/z');
  });
});
