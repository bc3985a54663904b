// The status pages' builders: mod_status's `?auto` text (keys and order as apache2 2.4.71 prints them, see
// test/conformance/status-auto.test.ts for the comparison with a running apache2), its number and time formats,
// and the HTML page (escaping, the live view's hooks, ?refresh).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAuto } from '../../src/status/auto.js';
import { buildPrometheus } from '../../src/status/prometheus.js';
import { fmtG, httpdTime, kbyteText, showTime } from '../../src/status/format.js';
import { buildManagerHtml, buildStatusHtml, liveParts, liveValues } from '../../src/status/html.js';
import { parseStatusQuery } from '../../src/status/serve.js';
import type { Snapshot } from '../../src/status/snapshot.js';
import { ServerStats } from '../../src/status/stats.js';

const base: Snapshot = {
  version: 'tsproxyd/0.1.0',
  node: 'v20.0.0',
  pid: 4242,
  serverName: 'localhost',
  now: Date.UTC(2026, 10, 22, 4, 59, 31),
  startedAt: Date.UTC(2026, 10, 22, 4, 59, 23),
  generation: 2,
  uptimeSec: 8,
  load: [4.53, 3.59, 2.81],
  cpuUserSec: 0.25,
  cpuSystemSec: 0.05,
  requests: 14,
  durationMs: 17,
  bytesIn: 4096,
  bytesOut: 30720,
  busy: 1,
  connections: 3,
  connectionsTotal: 20,
  idleConnections: 1,
  tunnelsOpen: 2,
  tunnelsTotal: 5,
  stopping: false,
  processes: [
    { pid: 4242, self: true, requests: 10, busy: 1, connections: 2, tunnelsOpen: 2, ageSec: 0 },
    { pid: 4243, self: false, requests: 4, busy: 0, connections: 1, tunnelsOpen: 0, ageSec: 1 },
  ],
  tunnels: [{ backend: 'ws://127.0.0.1:9000', path: '/chat', open: 2 }],
  backends: [
    { key: 'http://127.0.0.1:3000', sockets: 4, error: undefined },
    { key: 'http://127.0.0.1:3001', sockets: 0, error: 'worker http://127.0.0.1:3001 in error state for 55s more' },
  ],
  balancers: [
    {
      name: 'balancer://app<x>',
      method: 'byrequests',
      sticky: 'ROUTEID',
      nofailover: false,
      timeoutSec: 0,
      maxAttempts: 1,
      members: [
        { name: 'http://10.0.0.11:8080', scheme: 'http', host: '10.0.0.11', route: 'a', redirect: '', factor: 1, lbset: 0, status: 'Init Ok ', flags: '', usable: true, errorFor: 0, load: 0, elected: 7, busy: 1, sent: 10240, read: 2048 },
        { name: 'http://10.0.0.12:8080', scheme: 'http', host: '10.0.0.12', route: 'b"<script>', redirect: '', factor: 2, lbset: 1, status: 'Init Err ', flags: 'E', usable: false, errorFor: 12, load: 0, elected: 3, busy: 0, sent: 0, read: 0 },
      ],
    },
  ],
  proxyStatus: 'Off',
};

describe('formats', () => {
  test("fmtG is C's %g", () => {
    const cases: [number, string][] = [
      [0, '0'],
      [1.75, '1.75'],
      [3840, '3840'],
      [2194.2857142857, '2194.29'],
      [1.2142857, '1.21429'],
      [123456789, '1.23457e+08'],
      [0.0000123, '1.23e-05'],
      [100, '100'],
      [999999.5, '1e+06'],
    ];
    for (const [x, s] of cases) assert.equal(fmtG(x), s, String(x));
  });
  test("httpd's time and uptime texts", () => {
    assert.equal(httpdTime(base.now), 'Sunday, 22-Nov-2026 04:59:31 UTC');
    assert.equal(showTime(8), ' 8 seconds');
    assert.equal(showTime(1), ' 1 second');
    assert.equal(showTime(90061), ' 1 day 1 hour 1 minute 1 second');
    assert.equal(showTime(7200), ' 2 hours');
    assert.equal(kbyteText(31 * 1024 + 5), '31 kB');
    assert.equal(kbyteText(3 * 1024 * 1024), '3.0 MB');
  });
  test('query words', () => {
    assert.deepEqual(parseStatusQuery('/server-status?auto'), { auto: true, prometheus: false, refresh: undefined });
    assert.deepEqual(parseStatusQuery('/server-status?refresh=5&auto'), { auto: true, prometheus: false, refresh: 5 });
    assert.deepEqual(parseStatusQuery('/server-status?refresh=x'), { auto: false, prometheus: false, refresh: 1 });
    assert.deepEqual(parseStatusQuery('/server-status?autox'), { auto: false, prometheus: false, refresh: undefined });
    assert.deepEqual(parseStatusQuery('/server-status?format=prometheus'), { auto: false, prometheus: true, refresh: undefined });
  });
});

describe('?auto', () => {
  const text = buildAuto(base, 'status.example');
  const lines = text.split('\n');
  const keys = lines.slice(1).filter((l) => l !== '').map((l) => l.slice(0, l.indexOf(':')));
  test('the hostname first, then the keys in httpd 2.4 order', () => {
    assert.equal(lines[0], 'status.example');
    const httpdOrder = [
      'ServerVersion', 'ServerMPM', 'Server Built', 'CurrentTime', 'RestartTime', 'ParentServerConfigGeneration', 'ParentServerMPMGeneration',
      'ServerUptimeSeconds', 'ServerUptime', 'Load1', 'Load5', 'Load15', 'Total Accesses', 'Total kBytes', 'Total Duration', 'CPUUser',
      'CPUSystem', 'CPUChildrenUser', 'CPUChildrenSystem', 'CPULoad', 'Uptime', 'ReqPerSec', 'BytesPerSec', 'BytesPerReq', 'DurationPerReq',
      'BusyWorkers', 'GracefulWorkers', 'IdleWorkers', 'Processes', 'Stopping', 'ConnsTotal', 'ConnsAsyncWaitIO', 'ConnsAsyncWriting',
      'ConnsAsyncKeepAlive', 'ConnsAsyncClosing', 'Scoreboard',
    ];
    assert.deepEqual(keys.slice(0, httpdOrder.length), httpdOrder);
    assert.ok(text.endsWith('\n'));
  });
  test('values', () => {
    const v = (k: string) => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2);
    assert.equal(v('Total Accesses'), '14');
    assert.equal(v('Processes'), '2');
    assert.equal(v('Total kBytes'), '30');
    assert.equal(v('Uptime'), '8');
    assert.equal(v('ServerUptime'), '8 seconds');
    assert.equal(v('ReqPerSec'), '1.75');
    assert.equal(v('BytesPerSec'), '3840');
    assert.equal(v('BytesPerReq'), '2194.29');
    assert.equal(v('DurationPerReq'), '1.21429');
    assert.equal(v('BusyWorkers'), '1');
    assert.equal(v('Scoreboard'), 'WK');
    assert.equal(v('OpenTunnels'), '2');
    assert.equal(v('TotalTunnels'), '5');
    assert.equal(v('Tunnel[0]Path'), '/chat');
    assert.equal(v('Backend[1]Status'), 'Err');
    assert.equal(v('ParentServerConfigGeneration'), '2');
  });
  test('per-request figures only once there are requests (as httpd)', () => {
    const idle = buildAuto({ ...base, requests: 0, durationMs: 0, bytesOut: 0, uptimeSec: 0 }, 'h');
    assert.doesNotMatch(idle, /^(ReqPerSec|BytesPerReq|DurationPerReq|BytesPerSec):/m);
  });
  test('ProxyStatus On adds mod_proxy’s balancer lines', () => {
    assert.doesNotMatch(text, /ProxyBalancer/);
    const on = buildAuto({ ...base, proxyStatus: 'On' }, 'h');
    assert.match(on, /^ProxyBalancer\[0\]Name: balancer:\/\/app<x>$/m);
    assert.match(on, /^ProxyBalancer\[0\]Worker\[1\]Status: Init Err $/m);
    assert.match(on, /^ProxyBalancer\[0\]Worker\[0\]Sent: 10K$/m);
  });
});

describe('Prometheus text', () => {
  const text = buildPrometheus(base);
  test('every sample has HELP and TYPE before it, and label values are escaped', () => {
    const lines = text.trimEnd().split('\n');
    const declared = new Set<string>();
    for (const l of lines) {
      const m = /^# TYPE (\S+) (counter|gauge)$/.exec(l);
      if (m) declared.add(m[1]!);
      else if (!l.startsWith('# HELP ')) {
        assert.match(l, /^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/, l);
        assert.ok(declared.has(l.slice(0, l.search(/[{ ]/))), l);
      }
    }
    assert.match(text, /^tsproxyd_requests_total 14$/m);
    assert.match(text, /^tsproxyd_tunnels_open 2$/m);
    assert.match(text, /^tsproxyd_route_tunnels_open\{backend="ws:\/\/127\.0\.0\.1:9000",path="\/chat"\} 2$/m);
    assert.match(text, /^tsproxyd_backend_up\{backend="http:\/\/127\.0\.0\.1:3001"\} 0$/m);
    assert.match(text, /^tsproxyd_balancer_member_up\{balancer="balancer:\/\/app<x>",member="http:\/\/10\.0\.0\.12:8080",route="b\\"<script>"\} 0$/m);
  });
});

describe('HTML', () => {
  const page = buildStatusHtml(base, { hostname: 'h<1>', localAddress: '127.0.0.1', refresh: 5 });
  test('escapes every name from the configuration or the request', () => {
    assert.match(page, /Server Status for h&lt;1&gt; \(via 127\.0\.0\.1\)/);
    assert.match(page, /balancer:\/\/app&lt;x&gt;/);
    assert.match(page, /b&quot;&lt;script&gt;/);
    assert.doesNotMatch(page, /b"<script>/);
  });
  test('numbers sit in data-v elements the live view updates, with the same text', () => {
    const vals = liveValues(base);
    for (const [k, text] of Object.entries(vals)) assert.ok(page.includes(`<span data-v="${k}">${text}</span>`), k);
    assert.equal(vals['requests'], '14');
    assert.equal(vals['traffic'], '30 kB');
  });
  test('tunnels per route, backends with their state, balancer members', () => {
    assert.match(page, /<tbody id="tsp-tunnels"><tr><td>ws:\/\/127\.0\.0\.1:9000<\/td><td>\/chat<\/td><td>2<\/td><\/tr><\/tbody>/);
    assert.match(page, /<td class="err">Err: worker http:\/\/127\.0\.0\.1:3001 in error state for 55s more<\/td><td>0<\/td>/);
    assert.match(page, /<td class="err">Init Err  \(12s\)<\/td>/);
    assert.equal(liveParts(base, 'server-status')['tsp-tunnels']!.includes('/chat'), true);
  });
  test('one row per worker process, this one first', () => {
    assert.match(page, /<tbody id="tsp-processes"><tr><td>4242 \(this page\)<\/td><td>10<\/td><td>1<\/td><td>2<\/td><td>2<\/td><td>now<\/td><\/tr>\n<tr><td>4243<\/td><td>4<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>1s ago<\/td><\/tr><\/tbody>/);
  });
  test('?refresh=N is a meta refresh; the live script opens <path>/ws', () => {
    assert.match(page, /<meta http-equiv="refresh" content="5">/);
    assert.match(page, /location\.pathname\.replace\(\/\\\/\+\$\/,''\)\+'\/ws'/);
    assert.doesNotMatch(buildStatusHtml(base, { hostname: 'h', localAddress: '' }), /http-equiv/);
  });
  test('balancer-manager: read-only tables', () => {
    const m = buildManagerHtml(base, { hostname: 'h', localAddress: '' });
    assert.match(m, /<h3>LoadBalancer Status for balancer:\/\/app&lt;x&gt;<\/h3>/);
    assert.match(m, /<td>2 \[2 Used\]<\/td><td>ROUTEID<\/td><td>Off<\/td>/);
    assert.match(m, /<td>http:\/\/10\.0\.0\.11:8080<\/td><td>a<\/td><td><\/td><td>1\.00<\/td><td>0<\/td><td class="ok">Init Ok <\/td><td>7<\/td><td>1<\/td><td>0<\/td><td>10K<\/td><td>2048<\/td>/);
    assert.match(m, /read-only/);
    assert.doesNotMatch(m, /<form/);
  });
});

describe('ServerStats', () => {
  test('tunnels per route open and close; a route with none left disappears', () => {
    const s = new ServerStats();
    const a = s.tunnelOpened('ws://b:1', '/chat?room=1');
    const b = s.tunnelOpened('ws://b:1', '/chat?room=2');
    const c = s.tunnelOpened('balancer://app', '/feed');
    assert.deepEqual(s.tunnelRoutes().map((r) => `${r.backend} ${r.path} ${r.open}`), ['ws://b:1 /chat 2', 'balancer://app /feed 1']);
    s.tunnelClosed(a);
    s.tunnelClosed(c);
    assert.deepEqual(s.tunnelRoutes().map((r) => `${r.backend} ${r.path} ${r.open}`), ['ws://b:1 /chat 1']);
    s.tunnelClosed(b);
    assert.deepEqual(s.tunnelRoutes(), []);
    assert.equal(s.tunnelsOpen, 0);
    assert.equal(s.tunnelsTotal, 3);
  });
  test('distinct routes are bounded', () => {
    const s = new ServerStats();
    for (let i = 0; i < 250; i++) s.tunnelOpened('ws://b:1', `/t/${i}`);
    const routes = s.tunnelRoutes();
    assert.equal(routes.length, 201);
    assert.equal(routes.find((r) => r.backend === '(other)')?.open, 50);
  });
});
