// mod_authz_core/mod_authz_host as tsproxyd reads and evaluates them, and the handlers route() gives to the status
// pages. The load-time messages and the routing precedence were checked with apache2 2.4.71 (-t, and requests on
// the same file: see src/route/handler.ts); the loopback-only default without Require is tsproxyd's own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { authzAllows, evaluateAuthz } from '../../src/authz/evaluate.js';
import { addressBytes, isLoopback, parseSubnet, subnetContains } from '../../src/authz/ip.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import type { Decision, RequestFacts } from '../../src/route/types.js';
import type { AuthzDirConf } from '../../src/modules/authz/types.js';
import { factsFor } from '../helpers/facts.js';

const load = (text: string) => loadConfig({ file: '/nonexistent/authz-test.conf', text, env: {} });
const errors = (text: string) =>
  load(text)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.loc.line}: ${d.message}`);
const warnings = (text: string) =>
  load(text)
    .diagnostics.filter((d) => d.severity === 'warning')
    .map((d) => `${d.loc.line}: ${d.message}`);

describe('Require ip address forms (apr_ipsubnet_create)', () => {
  const cases: [string, string, boolean][] = [
    ['10.0.0.0/8', '10.200.3.4', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1', '10.1.99.2', true],
    ['10.1', '10.10.0.1', false],
    ['192.168.1.0/255.255.255.0', '192.168.1.77', true],
    ['192.168.1.0/255.255.255.0', '192.168.2.77', false],
    ['127.0.0.1', '::ffff:127.0.0.1', true],
    ['::1', '::1', true],
    ['2001:db8::/32', '2001:db8:1::5', true],
    ['2001:db8::/32', '2001:db9::5', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['::ffff:0:0/96', '10.0.0.1', false], // an IPv4 client is compared as IPv4, as APR does
  ];
  for (const [subnet, addr, expected] of cases) {
    test(`${subnet} ${expected ? 'contains' : 'does not contain'} ${addr}`, () => {
      const s = parseSubnet(subnet);
      assert.ok(s.ok, subnet);
      assert.equal(subnetContains(s.value, addressBytes(addr)!), expected);
    });
  }
  test("httpd's messages for bad forms", () => {
    assert.deepEqual(parseSubnet('bogus'), { ok: false, error: "ip address 'bogus' appears to be invalid" });
    assert.deepEqual(parseSubnet('10.0.0.1/33'), { ok: false, error: "ip address '10.0.0.1/33' appears to be invalid: The specified network mask is invalid." });
    assert.equal(parseSubnet('300.1.1.1').ok, false);
  });
  test('loopback', () => {
    assert.equal(isLoopback('127.0.0.1'), true);
    assert.equal(isLoopback('127.8.9.10'), true);
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    assert.equal(isLoopback('10.0.0.1'), false);
    assert.equal(isLoopback('::2'), false);
  });
});

/** The Location's rules, as loaded. */
function rules(body: string) {
  const r = load(`<Location /x>\n${body}\n</Location>\n`);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const node = (r.model.main.dirs[0]!.confs.get('authz_core') as AuthzDirConf).node!;
  return (remoteAddress: string, method = 'GET') => evaluateAuthz(node, { remoteAddress, localAddress: '192.0.2.1', method });
}

describe('mod_authz_core logic', () => {
  test('implicit RequireAny: any line grants', () => {
    const r = rules('Require ip 10.0.0.1\nRequire local');
    assert.equal(r('10.0.0.1'), 'granted');
    assert.equal(r('127.0.0.1'), 'granted');
    assert.equal(r('10.0.0.2'), 'denied');
  });
  test("Require local: loopback or the connection's own address", () => {
    const r = rules('Require local');
    assert.equal(r('::1'), 'granted');
    assert.equal(r('192.0.2.1'), 'granted');
    assert.equal(r('192.0.2.2'), 'denied');
  });
  test('RequireAll with a negation', () => {
    const r = rules('<RequireAll>\nRequire ip 10.0.0.0/8\nRequire not ip 10.0.0.66\n</RequireAll>');
    assert.equal(r('10.0.0.1'), 'granted');
    assert.equal(r('10.0.0.66'), 'denied');
    assert.equal(r('192.0.2.9'), 'denied');
  });
  test('RequireNone inside RequireAll', () => {
    const r = rules('<RequireAll>\nRequire all granted\n<RequireNone>\nRequire ip 10.9\n</RequireNone>\n</RequireAll>');
    assert.equal(r('10.8.0.1'), 'granted');
    assert.equal(r('10.9.0.1'), 'denied');
  });
  test('Require all denied / granted; Require method (GET covers HEAD)', () => {
    assert.equal(rules('Require all denied')('127.0.0.1'), 'denied');
    assert.equal(rules('Require all granted')('203.0.113.5'), 'granted');
    const m = rules('Require method GET');
    assert.equal(m('1.2.3.4', 'HEAD'), 'granted');
    assert.equal(m('1.2.3.4', 'POST'), 'denied');
  });
  test('a provider tsproxyd does not evaluate never opens access, even negated', () => {
    assert.equal(rules('Require host example.com')('127.0.0.1'), 'unknown');
    const none = rules('<RequireAll>\nRequire all granted\n<RequireNone>\nRequire host evil.example\n</RequireNone>\n</RequireAll>');
    assert.equal(none('10.0.0.1'), 'unknown');
    const any = rules('Require host example.com\nRequire ip 10.0.0.1');
    assert.equal(any('10.0.0.1'), 'granted');
    assert.equal(any('10.0.0.2'), 'unknown');
  });
});

describe('load-time errors, as apache2 -t words them', () => {
  const at = (body: string) => errors(`<Location /x>\n${body}\n</Location>\n`);
  const cases: [string, string[]][] = [
    ['Require ip bogus', ["2: ip address 'bogus' appears to be invalid"]],
    ['Require not ip 10.0.0.1', ['2: negative Require directive has no effect in <RequireAny> directive']],
    ['<RequireAny>\n</RequireAny>', ['2: <RequireAny> directive contains no authorization directives']],
    ['<RequireAll>\nRequire not ip 10.0.0.1\n</RequireAll>', ['2: AH01624: <RequireAll> directive contains only negative authorization directives']],
    ['Require foo', ['2: Unknown Authz provider: foo']],
    ['Require all maybe', ["2: Argument for 'Require all' must be 'granted' or 'denied'"]],
    ['<RequireNone>\nRequire ip 1.2.3.4\n</RequireNone>', ['2: <RequireNone> directive has no effect in <RequireAny> directive']],
    ['Require local x', []],
    ['Require ip 10.0.0.0/255.0.0.0 ::1 fe80::/10', []],
    ['Require all granted\n<RequireAll>\nRequire ip 1.1.1.1\n</RequireAll>', []],
  ];
  for (const [body, expected] of cases) test(JSON.stringify(body), () => assert.deepEqual(at(body), expected));
  test('Require is a per-directory directive', () => assert.deepEqual(errors('Require all granted\n'), ['1: Require not allowed here']));
  test('so are its containers', () => assert.deepEqual(errors('<RequireAny>\nRequire ip 1.2.3.4\n</RequireAny>\n'), ['1: <RequireAny not allowed here']));
  test('a container takes no words', () => assert.deepEqual(at('<RequireAny x>\nRequire ip 1.2.3.4\n</RequireAny>'), ["2: <RequireAny> directive doesn't take additional arguments"]));
});

describe('warnings', () => {
  test('a status page without Require: loopback only, and --check says so', () => {
    const w = warnings('<Location /server-status>\nSetHandler server-status\n</Location>\n');
    assert.equal(w.length, 1);
    assert.match(w[0]!, /^1: SetHandler server-status in <Location \/server-status> has no Require: .*loopback clients only/);
  });
  test('no warning when an enclosing <Location> has the rules', () => {
    assert.deepEqual(warnings('<Location />\nRequire ip 10.0.0.0/8\n</Location>\n<Location /server-status>\nSetHandler server-status\n</Location>\n').filter((w) => /^\d+: SetHandler/.test(w)), []);
  });
  test('Require on a proxied Location is enforced: no warning', () => {
    assert.deepEqual(warnings('<Location /app>\nRequire ip 10.0.0.0/8\nProxyPass http://127.0.0.1:9/\n</Location>\n'), []);
  });
  test('Require host on a proxied <Proxy> is not evaluated, and --check says so', () => {
    const w = warnings('<Proxy http://127.0.0.1:9/>\nRequire host example.com\n</Proxy>\n');
    assert.match(w.join('\n'), /Require host in <Proxy http:\/\/127.0.0.1:9\/> is not evaluated/);
  });
  test('Require host on a status page is not evaluated', () => {
    const w = warnings('<Location /s>\nSetHandler server-status\nRequire host example.com\n</Location>\n');
    assert.match(w.join('\n'), /Require host in <Location \/s> is not evaluated/);
  });
});

describe('route(): SetHandler server-status and balancer-manager', () => {
  const conf = `ServerName localhost
<Location /s-open>
  SetHandler server-status
</Location>
<Location /s-local>
  SetHandler server-status
  Require local
</Location>
<Location /s-deny>
  SetHandler server-status
  Require ip 10.0.0.1
</Location>
<Location /s-none>
  SetHandler server-status
  Require all granted
</Location>
<Location /s-none/sub>
  SetHandler None
</Location>
<Location /px>
  SetHandler server-status
  Require all granted
</Location>
<Location /pxex>
  SetHandler server-status
  Require all granted
</Location>
<Location /inloc>
  SetHandler server-status
  Require all granted
  ProxyPass http://127.0.0.1:9/inloc
</Location>
<Location /bm>
  SetHandler balancer-manager
  Require ip 10.0.0.0/8
</Location>
<Location /merged>
  SetHandler server-status
  Require ip 10.0.0.0/8
</Location>
<Location /merged/and>
  AuthMerging And
  <RequireAll>
    Require all granted
    Require not ip 10.0.0.9
  </RequireAll>
</Location>
<Location /merged/off>
  Require ip 192.0.2.0/24
</Location>
ProxyPass /pxex !
ProxyPass /px http://127.0.0.1:9/px
`;
  const loaded = load(conf);
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const p = compilePlan(loaded.model);
  const facts = (target: string, remoteAddress: string): RequestFacts => ({
    method: 'GET',
    target,
    host: 'h.test',
    localAddress: '127.0.0.1',
    localPort: 80,
    remoteAddress,
    remotePort: 50000,
    tls: false,
    header: (n) => (n === 'host' ? 'h.test' : undefined),
  });
  const what = (d: Decision) => (d.kind === 'forward' ? `forward ${d.backend.key}${d.path}` : d.handler !== undefined ? `${d.status} ${d.handler.name}` : String(d.status));
  const cases: [string, string, string][] = [
    // no Require: tsproxyd serves loopback clients only (httpd: everyone)
    ['/s-open', '127.0.0.1', '200 server-status'],
    ['/s-open', '::1', '200 server-status'],
    ['/s-open', '10.0.0.1', '403'],
    ['/s-local', '127.0.0.1', '200 server-status'],
    ['/s-local', '10.0.0.1', '403'],
    ['/s-deny', '127.0.0.1', '403'],
    ['/s-deny', '10.0.0.1', '200 server-status'],
    ['/s-deny/anything?auto', '10.0.0.1', '200 server-status'],
    ['/s-none', '10.1.1.1', '200 server-status'],
    ['/s-none/sub', '127.0.0.1', '404'], // SetHandler None (apache2: 404)
    ['/px', '127.0.0.1', 'forward http://127.0.0.1:9/px'], // a server ProxyPass wins (apache2: proxied)
    ['/pxex', '127.0.0.1', '200 server-status'], // ProxyPass … ! leaves it to the handler (apache2: status page)
    ['/inloc', '127.0.0.1', 'forward http://127.0.0.1:9/inloc'], // the Location's own ProxyPass wins (apache2: proxied)
    ['/bm', '10.3.3.3', '200 balancer-manager'],
    ['/bm', '127.0.0.1', '403'],
    ['/merged', '10.0.0.9', '200 server-status'],
    ['/merged/and', '10.0.0.8', '200 server-status'],
    ['/merged/and', '10.0.0.9', '403'],
    ['/merged/off', '10.0.0.8', '403'], // AuthMerging Off: the later section's rules replace the earlier ones
    ['/merged/off', '192.0.2.7', '200 server-status'],
  ];
  for (const [target, addr, expected] of cases) {
    test(`${target} from ${addr}: ${expected}`, () => assert.equal(what(route(p, facts(target, addr))), expected));
  }
  test('403 says why', () => {
    const d = route(p, facts('/s-deny', '127.0.0.1'));
    assert.equal(d.kind === 'respond' && d.reason, 'client denied by server configuration (AH01630)');
    assert.deepEqual(d.log, ['[authz_core:error] [client 127.0.0.1:50000] AH01630: client denied by server configuration: /s-deny']);
  });
  test('allowsAll shortcut: authzAllows is only GRANTED', () => {
    const node = (load('<Location /x>\nRequire host a.example\n</Location>\n').model.main.dirs[0]!.confs.get('authz_core') as AuthzDirConf).node!;
    assert.equal(authzAllows(node, { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', method: 'GET' }), false);
  });
});

describe('route(): Require on proxied paths', () => {
  const conf = `ServerName localhost
<Proxy balancer://app>
  BalancerMember http://127.0.0.1:9
  Require ip 10.0.0.0/8
</Proxy>
<Proxy http://127.0.0.1:9/int*>
  Require all denied
</Proxy>
<Location /app/public>
  Require all granted
</Location>
ProxyPass /app/ balancer://app/
ProxyPass /internal/ http://127.0.0.1:9/internal/
ProxyPass /open/ http://127.0.0.1:9/open/
`;
  const loaded = load(conf);
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  const p = compilePlan(loaded.model);
  const from = (target: string, remoteAddress: string): RequestFacts => ({ ...factsFor(target), remoteAddress });
  const cases: [string, string, string][] = [
    ['/app/x', '10.1.2.3', 'forward'], // <Proxy balancer://app> meets the balancer URL
    ['/app/x', '127.0.0.1', '403'],
    ['/app/public/x', '127.0.0.1', 'forward'], // the <Location> comes later and replaces the <Proxy>'s rules
    ['/internal/x', '10.1.2.3', '403'], // a wildcard <Proxy> (fnmatch over the whole URL)
    ['/open/x', '10.1.2.3', 'forward'],
  ];
  for (const [target, addr, expected] of cases) {
    test(`${target} from ${addr}: ${expected}`, () => {
      const d = route(p, from(target, addr));
      assert.equal(d.kind === 'forward' ? 'forward' : String(d.status), expected);
    });
  }
});
