// The matcher chain, table-driven: config snippet + request facts → expected decision. Every expectation here was
// checked against apache2 2.4.71 with a recording backend (see the comments in src/route/*.ts) unless marked
// "tsproxyd".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { canonEncodePath, canonicalizePath, type PathOptions } from '../../src/route/canon-path.js';
import { compilePlan } from '../../src/route/compile.js';
import { findRule, route } from '../../src/route/route.js';
import type { Decision, Plan, RequestFacts } from '../../src/route/types.js';
import { normaliseHost } from '../../src/route/vhost-select.js';
import { prefixMatch } from '../../src/route/match-prefix.js';

function plan(text: string): Plan {
  const r = loadConfig({ file: '/nonexistent/route-test.conf', text, env: {} });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.loc.line}: ${d.message}`), []);
  return compilePlan(r.model);
}

interface Req {
  target: string;
  host?: string | null; // null: no Host header
  method?: string;
  port?: number;
  addr?: string;
  version?: string;
  tls?: boolean;
}

function facts(q: Req): RequestFacts {
  const host = q.host === null ? undefined : (q.host ?? 'h.test');
  return {
    method: q.method ?? 'GET',
    target: q.target,
    host,
    localAddress: q.addr ?? '127.0.0.1',
    localPort: q.port ?? 80,
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    tls: q.tls ?? false,
    header: (n) => (n.toLowerCase() === 'host' ? host : undefined),
    ...(q.version ? { httpVersion: q.version } : {}),
  };
}

/** "GET http://b:8080/path" for forwards, "404" for responses: the comparable summary of a decision. */
function summary(d: Decision): string {
  if (d.kind === 'respond') return String(d.status);
  return `${d.backend.scheme}://${d.backend.host}:${d.backend.port}${d.path}`;
}

const B = 'http://127.0.0.1:9101';

type Case = [name: string, conf: string, req: Req, expected: string];

const PREFIX_CONF = `
ProxyPass /ex !
ProxyPass /app/ ${B}/app/
ProxyPass /foo ${B}/foo
ProxyPass /bar ${B}/
ProxyPass /raw ${B}/raw nocanon
ProxyPass /nq ${B}/nq noquery
ProxyPass /tq/ ${B}/tq/?a=b
ProxyPass /pct/ ${B}/a%20b/
ProxyPass /ws/ ws://127.0.0.1:9101/ws/
ProxyPass / http://127.0.0.1:9102/
`;

const REGEX_CONF = `
ProxyPassMatch ^/re/(.*)$ ${B}/x/$1
ProxyPassMatch ^/nb/.*\\.gif$ ${B}
ProxyPassMatch ^/nb2/ ${B}/pre
ProxyPassMatch ^/q/(.*)$ ${B}/x?id=$1
ProxyPassMatch ^/amp/(.*)$ ${B}/a&b/\\$1/$1/$2/\\x
ProxyPassMatch ^/bs/ ${B}/p\\q
ProxyPassMatch ^/nc/([^?]*) ${B}/nc/$1 nocanon
ProxyPassMatch ^/nc2/ ${B}/nc2 nocanon
ProxyPassMatch ^/(h)ost/(.*)$ http://$1.example:81/$2
`;

const cases: Case[] = [
  // Prefix rules: segment-aware, trailing slashes, slash runs.
  ['/app/ matches /app/x', PREFIX_CONF, { target: '/app/x' }, `${B}/app/x`],
  ['/app/ does not match /app', PREFIX_CONF, { target: '/app' }, 'http://127.0.0.1:9102/app'],
  ['/foo matches /foo', PREFIX_CONF, { target: '/foo' }, `${B}/foo`],
  ['/foo does not match /foobar', PREFIX_CONF, { target: '/foobar' }, 'http://127.0.0.1:9102/foobar'],
  ['/foo matches /foo/', PREFIX_CONF, { target: '/foo/' }, `${B}/foo/`],
  ['slash runs merged before matching', PREFIX_CONF, { target: '/foo//bar' }, `${B}/foo/bar`],
  ['//app//x', PREFIX_CONF, { target: '//app//x' }, `${B}/app/x`],
  ['/bar to http://b/ doubles the slash', PREFIX_CONF, { target: '/bar/x' }, `${B}//x`],
  ['exclusion before the general rule', PREFIX_CONF, { target: '/ex/1' }, '404'],
  ['exclusion is segment-aware', PREFIX_CONF, { target: '/exx' }, 'http://127.0.0.1:9102/exx'],
  ['/app/../admin does not escape into /app/', PREFIX_CONF, { target: '/app/../admin' }, 'http://127.0.0.1:9102/admin'],
  ['%2e%2e is a dot segment', PREFIX_CONF, { target: '/app/%2e%2e/admin' }, 'http://127.0.0.1:9102/admin'],
  ['.%2E is a dot segment', PREFIX_CONF, { target: '/app/.%2E/admin' }, 'http://127.0.0.1:9102/admin'],
  ['/app/. keeps the slash', PREFIX_CONF, { target: '/app/./x/.' }, `${B}/app/x/`],
  ['/app/x/..', PREFIX_CONF, { target: '/app/x/..' }, `${B}/app/`],
  ['above the root is 400', PREFIX_CONF, { target: '/../x' }, '400'],
  ['above the root via /app is 400', PREFIX_CONF, { target: '/app/../../x' }, '400'],
  ['invalid escape is 400', PREFIX_CONF, { target: '/app/%zz' }, '400'],
  ['%00 is 404', PREFIX_CONF, { target: '/app/%00' }, '404'],
  ['%2F is 404 (AllowEncodedSlashes Off)', PREFIX_CONF, { target: '/app/a%2Fb' }, '404'],
  // Re-encoding and the query string.
  ['space re-encoded', PREFIX_CONF, { target: '/app/a%20b' }, `${B}/app/a%20b`],
  ['query kept raw', PREFIX_CONF, { target: '/app/a%3Fb?q=1%20&x' }, `${B}/app/a%3Fb?q=1%20&x`],
  ['empty query keeps its ?', PREFIX_CONF, { target: '/app/x?' }, `${B}/app/x?`],
  ['raw query chars pass', PREFIX_CONF, { target: '/app/x?%zz"<>' }, `${B}/app/x?%zz"<>`],
  ['sub-delims stay literal', PREFIX_CONF, { target: "/app/a+b~c!$&()*,;=:@'" }, `${B}/app/a+b~c!$&()*,;=:@'`],
  ['unsafe chars encoded upper-case', PREFIX_CONF, { target: '/app/a%22b%3c%3E%5C%5E%60%7B%7C%7D' }, `${B}/app/a%22b%3C%3E%5C%5E%60%7B%7C%7D`],
  ['raw backslash encoded', PREFIX_CONF, { target: '/app/a\\b' }, `${B}/app/a%5Cb`],
  ['unreserved escapes decoded', PREFIX_CONF, { target: '/app/%7e%41%2d' }, `${B}/app/~A-`],
  ['decode once: %25', PREFIX_CONF, { target: '/app/%252e%252e/x' }, `${B}/app/%252e%252e/x`],
  ['non-ASCII bytes encoded', PREFIX_CONF, { target: '/app/\u00c3\u00a9' }, `${B}/app/%C3%A9`],
  ['? in the ProxyPass URL is %3F', PREFIX_CONF, { target: '/tq/x?q=1' }, `${B}/tq/%3Fa=bx?q=1`],
  ['% in the ProxyPass URL is %25', PREFIX_CONF, { target: '/pct/q' }, `${B}/a%2520b/q`],
  ['noquery changes nothing for http', PREFIX_CONF, { target: '/nq/x?q=1' }, `${B}/nq/x?q=1`],
  ['nocanon forwards the raw target', PREFIX_CONF, { target: '/raw/a%20b/../c' }, `${B}/raw/a%20b/../c`],
  ['nocanon keeps the raw query once', PREFIX_CONF, { target: '/raw/x?q=1%20' }, `${B}/raw/x?q=1%20`],
  ['nocanon: a raw control char is 403', PREFIX_CONF, { target: '/raw/a\tb' }, '403'],
  ['query with a space is 403', PREFIX_CONF, { target: '/app/x?a b' }, '403'],
  ['query with CR LF is 403', PREFIX_CONF, { target: '/app/x?a\r\nb' }, '403'],
  ['ws:// target keeps its scheme', PREFIX_CONF, { target: '/ws/x?q' }, 'ws://127.0.0.1:9101/ws/x?q'],
  // Regex rules.
  ['backreference', REGEX_CONF, { target: '/re/a%20b' }, `${B}/x/a%20b`],
  ['decoded CRLF in a backref is re-encoded', REGEX_CONF, { target: '/re/a%0d%0a' }, `${B}/x/a%0D%0A`],
  ['no backref: the whole path appended', REGEX_CONF, { target: '/nb/x.gif' }, `${B}/nb/x.gif`],
  ['no backref after a path', REGEX_CONF, { target: '/nb2/y' }, `${B}/pre/nb2/y`],
  ['? from the URL is encoded, query appended', REGEX_CONF, { target: '/q/a?z=1' }, `${B}/x%3Fid=a?z=1`],
  ['pregsub: & literal, \\$ escape, absent group empty', REGEX_CONF, { target: '/amp/z' }, `${B}/a&b/$1/z//x`],
  ['pregsub: a lone escape counts as a change', REGEX_CONF, { target: '/bs/y' }, `${B}/pq`],
  ['nocanon regex: captures from the raw target, query not appended', REGEX_CONF, { target: '/nc/a%20b?z=1' }, `${B}/nc/a%20b`],
  ['nocanon regex without backref: raw target appended', REGEX_CONF, { target: '/nc2/a%41?x' }, `${B}/nc2/nc2/a%41?x`],
  ['backref in the host (tsproxyd: resolved per request)', REGEX_CONF, { target: '/host/x' }, 'http://h.example:81/x'],
  ['no match is 404', REGEX_CONF, { target: '/zzz' }, '404'],
];

describe('route(): ProxyPass and ProxyPassMatch', () => {
  const plans = new Map<string, Plan>();
  for (const [name, conf, req, expected] of cases) {
    test(name, () => {
      let p = plans.get(conf);
      if (!p) plans.set(conf, (p = plan(conf)));
      assert.equal(summary(route(p, facts(req))), expected);
    });
  }
});

const INTERLEAVED = `
ProxyPass /a/b ${B}/p1
ProxyPassMatch ^/a/(.*)$ ${B}/r1/$1
ProxyPass /a ${B}/p2
ProxyPassMatch ^/z ${B}/r2
ProxyPass / ${B}/p3/
`;

describe('route(): prefix and regex rules interleaved in config order', () => {
  const p = plan(INTERLEAVED);
  const table: [string, string][] = [
    ['/a/b/c', `${B}/p1/c`],
    ['/a/c', `${B}/r1/c`],
    ['/a', `${B}/p2`],
    ['/z', `${B}/r2/z`], // ^/z stands before the catch-all prefix
    ['/q', `${B}/p3/q`],
  ];
  for (const [target, expected] of table) test(target, () => assert.equal(summary(route(p, facts({ target }))), expected));
});

const LOCATION_CONF = `
<Location /loc>
ProxyPass ${B}/L1
</Location>
<Location /loc/sub>
ProxyPass ${B}/L2
</Location>
<Location /loc/sub/x>
ProxyPreserveHost On
</Location>
<Location /no>
ProxyPass !
</Location>
<LocationMatch "^/lm/(.*)$">
ProxyPass ${B}/LM/$1
</LocationMatch>
<LocationMatch "^/lm2/">
ProxyPass ${B}/LM2
</LocationMatch>
<Location /gl*b>
ProxyPass ${B}/G
</Location>
ProxyPass /no ${B}/no
ProxyPass /loc ${B}/server
ProxyPass /bal balancer://c1/in
ProxyPass /bal2 balancer://empty
<Proxy balancer://c1>
BalancerMember ${B}/mpath
</Proxy>
<Proxy balancer://empty>
</Proxy>
`;

describe('route(): <Location> ProxyPass before the server list', () => {
  const p = plan(LOCATION_CONF);
  const table: [string, string][] = [
    ['/loc', `${B}/L1`],
    ['/loc/a', `${B}/L1/a`],
    ['/locx', '404'],
    ['/loc/sub', `${B}/L2`],
    ['/loc/sub/y', `${B}/L2/y`],
    ['/loc/sub/x', `${B}/L2/x`],
    ['/no', '404'],
    ['/no/a', '404'],
    ['/lm/a%20b', `${B}/LM/a%20b`],
    ['/lm2/z', '404'], // the section's ProxyPass is the prefix "^/lm2/" (no wildcard in the section path)
    ['/glb', `${B}/G/glb`], // <Location /gl*b>: its ProxyPass is the regex /gl*b
    ['/glob', '404'],
    ['/bal/x', `${B}/mpath/in/x`],
    ['/bal2/x', '503'],
  ];
  for (const [target, expected] of table) test(target, () => assert.equal(summary(route(p, facts({ target }))), expected));

  test('a later section without ProxyPass still applies its settings', () => {
    const d = route(p, facts({ target: '/loc/sub/x' }));
    assert.equal(d.kind, 'forward');
    assert.equal(d.settings?.preserveHost, true);
    const e = route(p, facts({ target: '/loc/sub/y' }));
    assert.equal(e.settings?.preserveHost, false);
  });

  test('the decision names the config line', () => {
    const d = route(p, facts({ target: '/loc/a' }));
    assert.equal(d.from?.line, 3);
  });
});

describe('route(): balancer members and more dot segments', () => {
  const p = plan(`
ProxyPass /bal balancer://c1/in
<Proxy balancer://c1>
BalancerMember ${B}/mp/
</Proxy>
ProxyPass /bal2 balancer://c2
<Proxy balancer://c2>
BalancerMember ${B}
</Proxy>
ProxyPass /app/ ${B}/app/
ProxyPass / http://127.0.0.1:9102/
`);
  const table: [string, string][] = [
    ['/bal/x', `${B}/mp//in/x`], // the member's path is kept as written
    ['/bal2/x', `${B}/x`],
    ['/bal2', `${B}/`],
    ['/app/%2E./admin', 'http://127.0.0.1:9102/admin'],
    ['/app/x%2e', `${B}/app/x.`],
    ['/app/..%2e', `${B}/app/...`],
    ['/a//../b', 'http://127.0.0.1:9102/b'],
    ['/app/x/%2e%2e/y', `${B}/app/y`],
  ];
  for (const [target, expected] of table) test(target, () => assert.equal(summary(route(p, facts({ target }))), expected));
});

const ENC_CONF = `
Listen 9200
Listen 9201
Listen 9202
ProxyPass /enc/ ${B}/enc/
<VirtualHost *:9201>
AllowEncodedSlashes On
MergeSlashes Off
</VirtualHost>
<VirtualHost *:9202>
AllowEncodedSlashes NoDecode
</VirtualHost>
`;

describe('route(): AllowEncodedSlashes and MergeSlashes', () => {
  const p = plan(ENC_CONF);
  const table: [number, string, string][] = [
    [9200, '/enc/a%2Fb', '404'],
    [9200, '/enc/..%2Fx', '404'],
    [9200, '/enc/a%2541', `${B}/enc/a%2541`],
    [9200, '/enc//a//b', `${B}/enc/a/b`],
    [9201, '/enc/a%2Fb', `${B}/enc/a/b`],
    [9201, '/enc/a%2fb%20c', `${B}/enc/a/b%20c`],
    [9201, '/enc//a//b', `${B}/enc/a//b`],
    [9201, '/enc/%2F%2Fx', `${B}/enc/x`],
    [9202, '/enc/a%2Fb', `${B}/enc/a%2Fb`],
    [9202, '/enc/a%2fb%20c', `${B}/enc/a%2fb%20c`],
    [9202, '/enc/..%2Fx', `${B}/enc/..%2Fx`],
    [9202, '/enc/a%2541', `${B}/enc/a%2541`],
    [9202, '/enc/a%25zz', '400'],
    [9202, '/enc/%2F%2Fx', `${B}/enc/%2F%2Fx`],
  ];
  for (const [port, target, expected] of table) {
    test(`${port} ${target}`, () => assert.equal(summary(route(p, facts({ target, port }))), expected));
  }
});

const VHOST_CONF = `
Listen 127.0.0.1:9200
Listen 127.0.0.1:9201
Listen 127.0.0.1:9202
ServerName main.test
ProxyPass /p ${B}/main/p
<VirtualHost *:9200>
ServerName first.test
ProxyPass /v ${B}/first/v
</VirtualHost>
<VirtualHost *:9200>
ServerName b.test:8080
ServerAlias *.wild.test ?.q.test B2.TEST
ProxyPassInherit Off
ProxyPass /v ${B}/b/v
</VirtualHost>
<VirtualHost 127.0.0.1:9201>
ServerName x1.test
ProxyPass /v ${B}/x1/v
</VirtualHost>
<VirtualHost *:9201>
ServerName y.test
ProxyPass /v ${B}/ystar/v
</VirtualHost>
<VirtualHost 127.0.0.1:9201>
ServerName y.test
ProxyPass /v ${B}/y/v
</VirtualHost>
`;

describe('selectServer(): name-based virtual hosts', () => {
  const p = plan(VHOST_CONF);
  const table: [name: string, req: Req, expected: string][] = [
    ['ServerName', { target: '/v', port: 9200, host: 'first.test' }, `${B}/first/v`],
    ['ServerName with port in config', { target: '/v', port: 9200, host: 'b.test' }, `${B}/b/v`],
    ['upper case and any port', { target: '/v', port: 9200, host: 'B.TEST:9999' }, `${B}/b/v`],
    ['one trailing dot', { target: '/v', port: 9200, host: 'b.test.' }, `${B}/b/v`],
    ['trailing dot and port', { target: '/v', port: 9200, host: 'b.test.:80' }, `${B}/b/v`],
    ['plain alias (written upper case)', { target: '/v', port: 9200, host: 'b2.test' }, `${B}/b/v`],
    ['* alias', { target: '/v', port: 9200, host: 'x.wild.test' }, `${B}/b/v`],
    ['* alias spans dots', { target: '/v', port: 9200, host: 'a.b.wild.test' }, `${B}/b/v`],
    ['* alias needs a char', { target: '/v', port: 9200, host: 'wild.test' }, `${B}/first/v`],
    ['? alias', { target: '/v', port: 9200, host: 'z.q.test' }, `${B}/b/v`],
    ['? alias is one char', { target: '/v', port: 9200, host: 'zz.q.test' }, `${B}/first/v`],
    ['no match: first vhost of the address', { target: '/v', port: 9200, host: 'nomatch' }, `${B}/first/v`],
    ['HTTP/1.0 without Host: first vhost', { target: '/v', port: 9200, host: null, version: '1.0' }, `${B}/first/v`],
    ['HTTP/1.1 without Host: 400', { target: '/v', port: 9200, host: null }, '400'],
    ['invalid Host: space', { target: '/v', port: 9200, host: 'a b' }, '400'],
    ['invalid Host: backslash', { target: '/v', port: 9200, host: 'abc\\foo' }, '400'],
    ['invalid Host: empty port', { target: '/v', port: 9200, host: 'b.test:' }, '400'],
    ['invalid Host: bad port', { target: '/v', port: 9200, host: 'b.test:xx' }, '400'],
    ['invalid Host: double dot', { target: '/v', port: 9200, host: 'b.test..' }, '400'],
    ['invalid Host: empty', { target: '/v', port: 9200, host: '' }, '400'],
    ['invalid Host: unclosed [', { target: '/v', port: 9200, host: '[::1' }, '400'],
    ['IPv6 literal Host', { target: '/v', port: 9200, host: '[::1]:9200' }, `${B}/first/v`],
    ['exact IP beats *', { target: '/v', port: 9201, host: 'x1.test' }, `${B}/x1/v`],
    ['exact IP set, by name', { target: '/v', port: 9201, host: 'y.test' }, `${B}/y/v`],
    ['exact IP set, no match: its first', { target: '/v', port: 9201, host: 'zz' }, `${B}/x1/v`],
    ['IPv4-mapped local address', { target: '/v', port: 9201, addr: '::ffff:127.0.0.1', host: 'y.test' }, `${B}/y/v`],
    ['no vhost for the address: main server', { target: '/v', port: 9202, host: 'b.test' }, '404'],
    ['main server rule', { target: '/p', port: 9202, host: 'b.test' }, `${B}/main/p`],
    ['main rules are inherited even with ProxyPassInherit Off', { target: '/p', port: 9200, host: 'b.test' }, `${B}/main/p`],
    ['absolute-form: the authority picks the vhost', { target: 'http://b.test/v', port: 9200, host: 'first.test' }, `${B}/b/v`],
    ['absolute-form with port and query', { target: 'http://B.TEST:1234/v?q', port: 9200, host: 'first.test' }, `${B}/b/v?q`],
    ['absolute-form without path', { target: 'http://b.test', port: 9200, host: 'first.test' }, '404'],
    ['absolute-form https on plain: Host decides', { target: 'https://b.test/v', port: 9200, host: 'first.test' }, `${B}/first/v`],
    ['absolute-form ftp: 400', { target: 'ftp://b.test/v', port: 9200, host: 'first.test' }, '400'],
    ['absolute-form userinfo: 400', { target: 'http://u@b.test/v', port: 9200, host: 'first.test' }, '400'],
    ['absolute-form above root: 400', { target: 'http://b.test/a/../../p', port: 9200, host: 'first.test' }, '400'],
    ['OPTIONS *', { target: '*', method: 'OPTIONS', port: 9200 }, '200'],
    ['GET *', { target: '*', port: 9200 }, '400'],
    ['relative target', { target: 'p', port: 9200 }, '400'],
  ];
  for (const [name, req, expected] of table) test(name, () => assert.equal(summary(route(p, facts(req))), expected));

  test('absolute-form: the authority replaces Host for the backend', () => {
    const d = route(p, facts({ target: 'http://B.TEST:1234/v', port: 9200, host: 'first.test' }));
    assert.equal(d.kind === 'forward' ? d.host : undefined, 'B.TEST:1234');
    const o = route(p, facts({ target: '/v', port: 9200, host: 'first.test' }));
    assert.equal(o.kind === 'forward' ? o.host : 'x', undefined);
  });

  test('X-Forwarded-Server name is the vhost ServerName', () => {
    const d = route(p, facts({ target: '/v', port: 9200, host: 'x.wild.test' }));
    assert.equal(d.settings?.serverName, 'b.test');
  });
});

describe('compilePlan(): merged settings', () => {
  const p = plan(`
Timeout 30
ProxyTimeout 20
ProxyVia On
RequestHeader set X-Main 1
<VirtualHost *:80>
ServerName v.test
ProxyPreserveHost On
RequestHeader set X-V 1
ProxyPass /t ${B}/t timeout=5
ProxySet ${B}/s timeout=7
ProxyPass /s ${B}/s
<Location /l>
ProxyAddHeaders Off
RequestHeader set X-L 1
</Location>
</VirtualHost>
<VirtualHost *:80>
ServerName w.test
Timeout 10
ProxyVia Block
</VirtualHost>
`);
  test('main values inherited, vhost values win', () => {
    const [v, w] = p.vhosts;
    assert.equal(v!.settings.preserveHost, true);
    assert.equal(v!.settings.via, 'On');
    assert.equal(v!.settings.timeoutMs, 20_000);
    assert.equal(v!.settings.clientTimeoutMs, 30_000);
    assert.equal(w!.settings.via, 'Block');
    assert.equal(w!.settings.clientTimeoutMs, 10_000);
    assert.equal(w!.settings.timeoutMs, 20_000);
    assert.equal(p.main.settings.preserveHost, false);
    assert.equal(p.main.settings.addHeaders, true);
    assert.equal(p.main.settings.limitRequestBody, 1_073_741_824);
  });
  test('header ops: main, vhost, then matching sections', () => {
    const d = route(p, facts({ target: '/l', host: 'v.test' }));
    assert.deepEqual(d.settings?.requestHeaders.map((o) => o.header), ['X-Main', 'X-V', 'X-L']);
    assert.equal(d.settings?.addHeaders, false);
  });
  test('worker timeout= and ProxySet params reach the decision', () => {
    const t = route(p, facts({ target: '/t', host: 'v.test' }));
    assert.equal(t.kind === 'forward' && t.backend.params.timeoutMs, 5000);
    assert.equal(t.settings?.timeoutMs, 5000);
    const s = route(p, facts({ target: '/s', host: 'v.test' }));
    assert.equal(s.kind === 'forward' && s.backend.params.timeoutMs, 7000);
    assert.equal(s.kind === 'forward' && s.backend.key, 'http://127.0.0.1:9101');
  });
});

describe('prefix index', () => {
  const N = 10_000;
  const lines = Array.from({ length: N }, (_, i) => `ProxyPass /svc${i}/api ${B}/b${i}`);
  const p = plan(lines.join('\n') + '\n');
  test('10,000 prefix rules: the last one matches, with few probes', () => {
    const d = route(p, facts({ target: `/svc${N - 1}/api/x` }));
    assert.equal(summary(d), `${B}/b${N - 1}/x`);
    const search = findRule(p.main.routing, `/svc${N - 1}/api/x`, `/svc${N - 1}/api/x`);
    assert.equal(search.index, N - 1);
    assert.ok(search.examined <= 4, `examined ${search.examined}`);
    assert.equal(summary(route(p, facts({ target: '/svc1/apix' }))), '404');
  });
  test('first rule in config order wins among prefixes of the path', () => {
    const q = plan(`ProxyPass /a/b/c ${B}/1\nProxyPass /a ${B}/2\nProxyPass /a/b ${B}/3\nProxyPass /a//b/ ${B}/4\n`);
    assert.equal(summary(route(q, facts({ target: '/a/b/c/d' }))), `${B}/1/d`);
    assert.equal(summary(route(q, facts({ target: '/a/b/x' }))), `${B}/2/b/x`);
  });
  test('agrees with a linear scan on random rule sets', () => {
    const segs = ['a', 'b', 'ab', ''];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const path = () => '/' + Array.from({ length: 1 + rnd(4) }, () => segs[rnd(segs.length)]).join('/');
    for (let round = 0; round < 30; round++) {
      const rules = Array.from({ length: 12 }, (_, i) =>
        rnd(4) === 0 ? `ProxyPassMatch ^${path()}$ ${B}/r${i}` : `ProxyPass ${path()}${rnd(3) === 0 ? '/' : ''} ${B}/p${i}`,
      );
      const q = plan(rules.join('\n') + '\n');
      for (let k = 0; k < 20; k++) {
        const uri = path().replace(/\/{2,}/g, '/');
        const fast = findRule(q.main.routing, uri, uri).index;
        const slow = q.main.routing.rules.findIndex((r) =>
          r.kind === 'regex' ? r.regex!.test(uri) : r.path !== '' && prefixMatchLinear(uri, r.path),
        );
        assert.equal(fast, slow, `${rules.join(' | ')} on ${uri}`);
      }
    }
  });
});

const prefixMatchLinear = (uri: string, p: string) => prefixMatch(uri, p) > 0;

describe('canon-path helpers', () => {
  const off: PathOptions = { allowEncodedSlashes: 'Off', mergeSlashes: true };
  test('canonicalizePath', () => {
    assert.deepEqual(canonicalizePath('/a/b/../c', off), { ok: true, uri: '/a/c' });
    assert.deepEqual(canonicalizePath('/a//../c', { ...off, mergeSlashes: false }), { ok: true, uri: '/a/c' });
    assert.deepEqual(canonicalizePath('/', off), { ok: true, uri: '/' });
    assert.deepEqual(canonicalizePath('//', off), { ok: true, uri: '/' });
    assert.equal(canonicalizePath('/a%2F', off).ok, false);
    assert.deepEqual(canonicalizePath('/enc/a/..%2F..%2F..%2Fx', { ...off, allowEncodedSlashes: 'On' }), { ok: true, uri: '/x' });
  });
  test('canonEncodePath', () => {
    assert.equal(canonEncodePath('/a b?#%', false), '/a%20b%3F%23%25');
    assert.equal(canonEncodePath('/a%2Fb%41', true), '/a%2Fb%2541');
    assert.equal(canonEncodePath('/a%zz', true), undefined);
  });
  test('normaliseHost', () => {
    assert.equal(normaliseHost('Example.COM.:8080'), 'example.com');
    assert.equal(normaliseHost('a..b'), undefined);
    assert.equal(normaliseHost('[::1]:80'), '[::1]');
  });
});

