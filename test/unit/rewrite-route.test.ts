// The rewrite phase inside route(): RewriteRule outcomes as Decisions (src/route/rewrite-phase.ts), checked against
// apache2 2.4.71 (test/conformance/request-cases/rw-*) unless marked "tsproxyd".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { route } from '../../src/route/route.js';
import type { Decision } from '../../src/route/types.js';
import { mergeServers } from '../../src/rewrite/plan.js';
import type { RewriteServerConf } from '../../src/modules/rewrite/model.js';
import { factsOf, planOf, type Req } from '../helpers/rewrite.js';

const B = '127.0.0.1:9101';

function decide(conf: string, q: Req | string): Decision {
  return route(planOf(conf), factsOf(typeof q === 'string' ? { target: q } : q));
}

const forward = (d: Decision): Extract<Decision, { kind: 'forward' }> => {
  assert.equal(d.kind, 'forward', d.kind === 'respond' ? `${d.status} ${d.reason}` : '');
  return d as Extract<Decision, { kind: 'forward' }>;
};
const status = (d: Decision): number => (d.kind === 'respond' ? d.status : 0);

describe('[P]', () => {
  test('wins over any ProxyPass, whatever the order, and over ProxyPass !', () => {
    const conf = `ProxyPass /app/ http://${B}/app/\nProxyPass /x !\nRewriteEngine on\nRewriteRule ^/app/s/(.*) http://${B}/special/$1 [P]\nRewriteRule ^/x/(.*) http://${B}/x2/$1 [P]`;
    assert.equal(forward(decide(conf, '/app/s/a?q=1')).path, '/special/a?q=1');
    assert.equal(forward(decide(conf, '/x/y')).path, '/x2/y');
    assert.equal(forward(decide(conf, '/app/n')).path, '/app/n');
  });

  test("a URL under a ProxyPass worker uses it: same backend, params and pool", () => {
    const plan = planOf(`ProxyPass /app/ http://${B}/app/ timeout=7\nRewriteEngine on\nRewriteRule ^/s/(.*) http://${B}/app/$1 [P]`);
    const viaRewrite = forward(route(plan, factsOf({ target: '/s/z' })));
    const viaProxyPass = forward(route(plan, factsOf({ target: '/app/z' })));
    assert.equal(viaRewrite.backend, viaProxyPass.backend);
    assert.equal(viaRewrite.backend.params.timeoutMs, 7000);
    assert.equal(viaRewrite.settings.timeoutMs, 7000);
  });

  test("another URL goes through mod_proxy's default worker: no reuse, its own pool", () => {
    const d = forward(decide(`ProxyPass /app/ http://${B}/app/\nRewriteEngine on\nRewriteRule ^/o/(.*) http://${B}/other/$1 [P]`, '/o/z'));
    assert.equal(d.backend.params.disableReuse, true);
    assert.equal(d.backend.key, `http://${B} (default worker)`);
    assert.equal(d.path, '/other/z');
  });

  test('a ProxySet worker (<Proxy URL>) is used with its params', () => {
    const d = forward(decide(`<Proxy http://${B}/api>\nProxySet timeout=9\n</Proxy>\nRewriteEngine on\nRewriteRule ^/a/(.*) http://${B}/api/$1 [P]`, '/a/z'));
    assert.equal(d.backend.params.timeoutMs, 9000);
    assert.equal(d.backend.params.disableReuse, undefined);
    assert.equal(d.backend.key, `http://${B}`);
  });

  test('balancer:// picks a member; an unknown balancer is a 500', () => {
    const conf = `<Proxy balancer://cl>\nBalancerMember http://${B}/member\n</Proxy>\nRewriteEngine on\nRewriteRule ^/b/(.*) balancer://cl/$1 [P]\nRewriteRule ^/n/(.*) balancer://none/$1 [P]`;
    assert.equal(forward(decide(conf, '/b/x?q=1')).path, '/member/x?q=1');
    assert.equal(status(decide(conf, '/n/x')), 500);
  });

  test('the path is re-encoded, the query appended; [NE] sends both raw', () => {
    const conf = `RewriteEngine on\nRewriteRule ^/e/(.*) http://${B}/e/$1 [P]\nRewriteRule ^/ne/(.*) http://${B}/ne/$1 [P,NE]`;
    const facts = (target: string) => ({ target });
    assert.equal(forward(decide(conf, facts('/e/a%22b?x=%22'))).path, '/e/a%22b?x=%22');
    assert.equal(forward(decide(conf, facts('/ne/a%7Eb?x=1'))).path, '/ne/a~b?x=1');
    assert.equal(status(decide(conf, '/ne/a%20b')), 403);
  });

  test('ws:// tunnels an upgrade, and is plain HTTP without one', () => {
    const conf = `RewriteEngine on\nRewriteCond %{HTTP:Upgrade} websocket [NC]\nRewriteRule ^/ws/(.*) ws://${B}/ws/$1 [P]\nRewriteRule ^/p/(.*) ws://${B}/p/$1 [P]`;
    const up = forward(decide(conf, { target: '/ws/c', headers: { Upgrade: 'WebSocket', Connection: 'Upgrade' } }));
    assert.equal(up.upgrade?.protocol, 'WebSocket');
    assert.equal(up.backend.scheme, 'ws');
    const plain = forward(decide(conf, '/p/c'));
    assert.equal(plain.upgrade, undefined);
    assert.equal(status(decide(conf, '/ws/c')), 404); // the condition fails, no ProxyPass
  });

  test('ProxyWebsocketFallbackToProxyHttp Off: a plain request [P]-ed to ws:// is a 426 (no check_trans skip)', () => {
    const d = decide(`ProxyWebsocketFallbackToProxyHttp Off\nRewriteEngine on\nRewriteRule ^/a/(.*) ws://${B}/$1 [P]`, '/a/x');
    assert.equal(status(d), 426);
    assert.deepEqual(d.kind === 'respond' ? d.headers : undefined, [['Upgrade', 'WebSocket'], ['Connection', 'Upgrade']]);
  });

  test('a scheme tsproxyd cannot serve is a 500 (httpd: no protocol handler)', () => {
    assert.equal(status(decide(`RewriteEngine on\nRewriteRule ^/f/(.*) fcgi://${B}/$1 [P]`, '/f/x')), 500);
  });

  test('unix: (a Unix domain socket to httpd) is a 500: tsproxyd has no socket backends', () => {
    assert.equal(status(decide(`RewriteEngine on\nRewriteRule ^/u/(.*) unix:/run/x.sock|http://h/$1 [P]`, '/u/x')), 500);
  });

  test('<Location> settings of the original path apply', () => {
    const d = forward(decide(`<Location /a>\nProxyPreserveHost On\n</Location>\nRewriteEngine on\nRewriteRule ^/a/(.*) http://${B}/$1 [P]`, '/a/x'));
    assert.equal(d.settings.preserveHost, true);
  });
});

describe('other outcomes', () => {
  test('[PT] hands the new path and query to ProxyPass and the <Location> sections', () => {
    const conf = `ProxyPass /b/ http://${B}/b/\n<Location /b/>\nProxyPreserveHost On\n</Location>\nRewriteEngine on\nRewriteRule ^/a/(.*) /b/$1?n=1 [PT,QSA]`;
    const d = forward(decide(conf, '/a/x?o=2'));
    assert.equal(d.path, '/b/x?n=1&o=2');
    assert.equal(d.settings.preserveHost, true);
  });

  test('a local path without [PT] is a 404: ProxyPass never sees it', () => {
    const d = decide(`ProxyPass /b/ http://${B}/b/\nRewriteEngine on\nRewriteRule ^/a/(.*) /b/$1`, '/a/x');
    assert.equal(status(d), 404);
  });

  test('a redirect carries its Location', () => {
    const d = decide(`RewriteEngine on\nRewriteRule ^/a$ /b [R=301]`, { target: '/a', host: 'h:81' });
    assert.equal(status(d), 301);
    assert.deepEqual(d.kind === 'respond' ? d.headers : undefined, [['Location', 'http://h:81/b']]);
  });

  test('a control character in a [NE] Location is a 500', () => {
    assert.equal(status(decide(`RewriteEngine on\nRewriteRule ^/a/(.*) http://o/$1 [R,NE]`, '/a/x%0D%0Ay')), 500);
  });

  test('[CO] cookies become "Header always add Set-Cookie", ahead of the server\'s Header rules', () => {
    const d = decide(`Header always set X-A 1\nProxyPass / http://${B}/\nRewriteEngine on\nRewriteRule ^/ - [CO=n:v:ex.com]`, '/x');
    const ops = forward(d).settings.responseHeaders;
    assert.deepEqual(ops.map((o) => `${o.table} ${o.action} ${o.header}`), ['always add Set-Cookie', 'always set X-A']);
    assert.deepEqual(ops[0]!.value, [{ kind: 'text', text: 'n=v; path=/; domain=ex.com' }]);
    const f = decide(`RewriteEngine on\nRewriteRule ^/ - [F,CO=n:v:ex.com]`, '/x');
    assert.equal(f.kind === 'respond' && f.settings?.responseHeaders[0]?.header, 'Set-Cookie');
  });

  test('[E] variables and log lines ride on the decision', () => {
    const d = decide(`ProxyPass / http://${B}/\nLogLevel rewrite:trace1\nRewriteEngine on\nRewriteRule ^/(.*) - [E=X:$1]`, '/q');
    assert.equal(d.env?.get('X'), 'q');
    assert.deepEqual(d.log?.map((l) => l.replace(/\[[^\]]*\/sid#[^\]]*\]\[[^\]]*\] /, '')), ['[rewrite:trace1] 127.0.0.1 - - pass through /q']);
  });

  test('no rewrite phase without RewriteEngine on, or without rules', () => {
    assert.equal(planOf(`RewriteRule ^/ /x`).main.routing.rewrite, undefined);
    assert.equal(planOf(`RewriteEngine on`).main.routing.rewrite, undefined);
    assert.equal(planOf(`RewriteEngine off\nRewriteRule ^/ /x`).main.routing.rewrite, undefined);
  });
});

describe('main server and virtual hosts (config_server_merge)', () => {
  const conf = (options: string, engine = ''): RewriteServerConf => ({
    engine: engine === '' ? undefined : engine === 'on',
    options: new Set(options.split(' ').filter(Boolean) as never[]),
    rules: [],
    pendingConds: [],
    maps: new Map(),
  });
  const withRules = (c: RewriteServerConf, ...names: string[]): RewriteServerConf => ({
    ...c,
    rules: names.map((n) => ({ source: n }) as never),
    maps: new Map(names.map((n) => [n, { name: n, file: n } as never])),
  });
  const names = (m: ReturnType<typeof mergeServers>) => m.rules.map((r) => r.source).join(',');

  const main = withRules(conf('', 'on'), 'm1', 'm2');
  test('a vhost inherits the engine state but not the rules', () => {
    const m = mergeServers(main, withRules(conf(''), 'v'));
    assert.equal(m.engine, true);
    assert.equal(names(m), 'v');
    assert.deepEqual([...m.maps.keys()], ['v']);
  });
  test('Inherit: the vhost first; InheritBefore: the main server first', () => {
    assert.equal(names(mergeServers(main, withRules(conf('Inherit'), 'v'))), 'v,m1,m2');
    assert.equal(names(mergeServers(main, withRules(conf('InheritBefore'), 'v'))), 'm1,m2,v');
  });
  test("the main server's InheritDown, unless IgnoreInherit", () => {
    const down = withRules(conf('InheritDown', 'on'), 'm');
    assert.equal(names(mergeServers(down, withRules(conf(''), 'v'))), 'v,m');
    assert.equal(names(mergeServers(down, withRules(conf('IgnoreInherit'), 'v'))), 'v');
    assert.equal(names(mergeServers(withRules(conf('InheritDownBefore', 'on'), 'm'), withRules(conf(''), 'v'))), 'm,v');
  });
  test('RewriteEngine off in the vhost', () => {
    assert.equal(mergeServers(main, withRules(conf('', 'off'), 'v')).engine, false);
  });
  test('through route(): a vhost runs its own rules only', () => {
    const p = planOf(
      `Listen 127.0.0.1:8080\nRewriteEngine on\nRewriteRule ^/m/(.*) http://${B}/main/$1 [P]\n<VirtualHost 127.0.0.1:8080>\nRewriteRule ^/v/(.*) http://${B}/v/$1 [P]\n</VirtualHost>`,
    );
    assert.equal(forward(route(p, factsOf({ target: '/v/x' }))).path, '/v/x');
    assert.equal(status(route(p, factsOf({ target: '/m/x' }))), 404);
  });
});
