// The router's side of balancing (src/route/forward-url.ts): a balancer:// decision names the first member and
// carries the lease the forwarder picks through; routing alone changes no balancer state (route() stays pure), the
// lease sees the sticky cookie, and RewriteRule [P] to a balancer gets a lease too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factsFor } from '../helpers/facts.js';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { Decision, Plan, RequestFacts } from '../../src/route/types.js';

function plan(text: string): Plan {
  const r = loadConfig({ file: '/nonexistent/balancer-route.conf', text, env: {} });
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  return compilePlan(r.model);
}

const facts = (target: string, headers: Record<string, string> = {}): RequestFacts => factsFor(target, headers);

type Forward = Extract<Decision, { kind: 'forward' }>;
const forward = (d: Decision): Forward => {
  assert.equal(d.kind, 'forward', d.kind === 'respond' ? d.reason : '');
  return d as Forward;
};

const CONF = `
<Proxy balancer://c>
BalancerMember http://127.0.0.1:9001/a route=ra timeout=5
BalancerMember http://127.0.0.1:9002/b route=rb
ProxySet stickysession=ROUTEID
</Proxy>
ProxyPass /bal/ balancer://c/in/
RewriteEngine On
RewriteRule ^/rw/(.*) balancer://c/$1 [P]
`;

describe('route() into a balancer', () => {
  test('the decision names the first member and carries a lease; routing takes nothing', () => {
    const p = plan(CONF);
    for (let i = 0; i < 3; i++) {
      const d = forward(route(p, facts('/bal/x?q=1')));
      assert.equal(d.backend.key, 'http://127.0.0.1:9001');
      assert.equal(d.path, '/a/in/x?q=1');
      assert.ok(d.balancer !== undefined);
      assert.deepEqual(d.balancer.runtime.members.map((m) => [m.busy, m.lbstatus, m.elected]), [[0, 0, 0], [0, 0, 0]]);
    }
  });

  test('a started lease picks by rotation, with each member path, timeout and BALANCER_*', () => {
    const p = plan(CONF);
    const picks = [0, 1, 2].map(() => {
      const lease = forward(route(p, facts('/bal/x'))).balancer!;
      const n = lease.start(0);
      assert.equal(n.kind, 'attempt');
      return n.kind === 'attempt' ? [n.next.backend.key, n.next.path, n.next.settings.timeoutMs, lease.env.get('BALANCER_WORKER_ROUTE')] : [];
    });
    assert.deepEqual(picks, [
      ['http://127.0.0.1:9001', '/a/in/x', 5000, 'ra'],
      ['http://127.0.0.1:9002', '/b/in/x', 60000, 'rb'],
      ['http://127.0.0.1:9001', '/a/in/x', 5000, 'ra'],
    ]);
  });

  test('the sticky cookie and URL parameter reach the lease', () => {
    const p = plan(CONF);
    const byCookie = forward(route(p, facts('/bal/x', { cookie: 'ROUTEID=.rb' }))).balancer!.start(0);
    assert.equal(byCookie.kind === 'attempt' && byCookie.next.backend.port, 9002);
    const byParam = forward(route(p, facts('/bal/x?ROUTEID=s.rb'))).balancer!.start(0);
    assert.equal(byParam.kind === 'attempt' && byParam.next.backend.port, 9002);
  });

  test('RewriteRule [P] to balancer:// gets a lease too', () => {
    const p = plan(CONF);
    const d = forward(route(p, facts('/rw/y', { cookie: 'ROUTEID=.rb' })));
    const n = d.balancer!.start(0);
    assert.equal(n.kind === 'attempt' && `${n.next.backend.key}${n.next.path}`, 'http://127.0.0.1:9002/b/y');
  });

  test('a balancer without members is a 503 at once', () => {
    const p = plan('<Proxy balancer://empty>\n</Proxy>\nProxyPass /e/ balancer://empty/\n');
    const d = route(p, facts('/e/x'));
    assert.equal(d.kind === 'respond' && d.status, 503);
  });
});
