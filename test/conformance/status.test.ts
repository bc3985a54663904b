// mod_status, mod_proxy_balancer's manager and mod_authz_host: apache2 and tsproxyd serve the same file, and the
// clients see the same thing where it matters:
//  - which requests the handler answers, which are proxied (a ProxyPass wins unless `ProxyPass … !`), which are
//    404 (SetHandler None) and which are refused by Require (403);
//  - `?auto`: the same keys in the same order (values differ: tsproxyd has no worker slots), with ProxyStatus On
//    the same ProxyBalancer[i]Worker[j]… keys; tsproxyd adds keys of its own after httpd's (OpenTunnels …).
// Without a Require, httpd shows the page to everyone and tsproxyd to loopback clients only; from loopback both
// answer 200, so that difference is declared in the README and tested in test/unit/authz.test.ts.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { APACHE_INSTALL_HINT, findApache } from './harness/apache.js';
import { startApache } from './harness/apache-server.js';
import { prepareServerRoot, type ServerRoot } from './harness/server-root.js';
import type { ServerProcess } from './harness/server-process.js';
import { startTsproxyd } from './harness/tsproxyd-server.js';

const CONF = `ServerRoot "@SERVERROOT@"
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authz_host_module modules/mod_authz_host.so
LoadModule proxy_module modules/mod_proxy.so
LoadModule proxy_http_module modules/mod_proxy_http.so
LoadModule proxy_balancer_module modules/mod_proxy_balancer.so
LoadModule slotmem_shm_module modules/mod_slotmem_shm.so
LoadModule lbmethod_byrequests_module modules/mod_lbmethod_byrequests.so
LoadModule status_module modules/mod_status.so
User www-data
Group www-data
ServerName localhost
Listen 127.0.0.1:@PORT@
PidFile "@SERVERROOT@/run/httpd.pid"
ErrorLog "@SERVERROOT@/logs/error.log"
ProxyStatus On
<Location /s-local>
  SetHandler server-status
  Require local
</Location>
<Location /s-deny>
  SetHandler server-status
  Require ip 10.0.0.1
</Location>
<Location /s-any>
  SetHandler server-status
  <RequireAny>
    Require ip 10.0.0.1
    Require ip 127.0.0.0/8
  </RequireAny>
</Location>
<Location /s-all>
  SetHandler server-status
  <RequireAll>
    Require all granted
    Require not ip 127.0.0.1
  </RequireAll>
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
  Require local
</Location>
<Location /pxex>
  SetHandler server-status
  Require local
</Location>
<Location /inloc>
  SetHandler server-status
  Require local
  ProxyPass http://127.0.0.1:@BACKEND@/inloc
</Location>
<Location /bm>
  SetHandler balancer-manager
  Require local
</Location>
<Proxy balancer://app>
  BalancerMember http://127.0.0.1:@BACKEND@ route=a
  BalancerMember http://127.0.0.1:@BACKEND2@ route=b
</Proxy>
ProxyPass /pxex !
ProxyPass /px http://127.0.0.1:@BACKEND@/px
ProxyPass /app balancer://app
`;

const PATHS = ['/s-local', '/s-deny', '/s-any', '/s-all', '/s-none', '/s-none/sub', '/px', '/pxex', '/inloc', '/bm', '/app/x'];

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** What a client sees for a path: the status, and whose page it is. */
function kind(r: { status: number; body: string }): string {
  if (r.status !== 200) return String(r.status);
  if (r.body.startsWith('backend ')) return `200 proxied ${r.body.trim()}`;
  if (/Balancer Manager/.test(r.body)) return '200 balancer-manager';
  if (/Server Status for/.test(r.body)) return '200 server-status';
  return `200 ${r.body.slice(0, 40)}`;
}

const keysOf = (auto: string) =>
  auto
    .split('\n')
    .slice(1)
    .filter((l) => l.includes(':'))
    .map((l) => l.slice(0, l.indexOf(':')));

interface Seen {
  readonly paths: Record<string, string>;
  readonly autoKeys: string[];
}

async function observe(port: number): Promise<Seen> {
  const paths: Record<string, string> = {};
  for (const p of PATHS) paths[p] = kind(await get(port, p));
  await sleep(1100); // Uptime ≥ 1: the per-second lines are printed
  const auto = await get(port, '/s-local?auto');
  assert.equal(auto.status, 200);
  return { paths, autoKeys: keysOf(auto.body) };
}

const apache = findApache();

describe('status pages: apache2 vs tsproxyd on the same file', { skip: apache === undefined && process.env['TSPROXYD_SKIP_APACHE'] === '1' ? 'apache2 not installed (TSPROXYD_SKIP_APACHE=1)' : false }, () => {
  let root: ServerRoot;
  let port = 0;
  const backend = http.createServer((req, res) => res.end(`backend ${req.url}\n`));
  const backend2 = http.createServer((req, res) => res.end(`backend ${req.url}\n`));
  const seen: { apache?: Seen; tsproxyd?: Seen } = {};

  before(async () => {
    assert.ok(apache, APACHE_INSTALL_HINT);
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => backend2.listen(0, '127.0.0.1', r));
    root = await prepareServerRoot({
      files: [{ path: 'httpd.conf', template: CONF, source: 'status.test.ts' }],
      modulesDir: apache.modulesDir,
      vars: { BACKEND: String((backend.address() as AddressInfo).port), BACKEND2: String((backend2.address() as AddressInfo).port) },
    });
    port = root.ports['PORT']!;
    const conf = root.path('httpd.conf');
    let server: ServerProcess = await startApache(apache, conf, { ports: [port], errorLog: root.path('logs/error.log') });
    try {
      seen.apache = await observe(port);
    } finally {
      await server.stop();
    }
    server = await startTsproxyd(conf, { ports: [port] });
    try {
      seen.tsproxyd = await observe(port);
    } finally {
      await server.stop();
    }
  });

  after(async () => {
    await new Promise((r) => backend.close(r));
    await new Promise((r) => backend2.close(r));
    await root?.cleanup();
  });

  test('the same answer for every path: handler, proxied, 404 or 403', () => {
    assert.deepEqual(seen.tsproxyd!.paths, seen.apache!.paths);
    // and what apache2 said, so that the table cannot drift unnoticed
    assert.deepEqual(seen.apache!.paths, {
      '/s-local': '200 server-status',
      '/s-deny': '403',
      '/s-any': '200 server-status',
      '/s-all': '403',
      '/s-none': '200 server-status',
      '/s-none/sub': '404',
      '/px': '200 proxied backend /px',
      '/pxex': '200 server-status',
      '/inloc': '200 proxied backend /inloc',
      '/bm': '200 balancer-manager',
      '/app/x': '200 proxied backend /x',
    });
  });

  test('?auto: every key apache2 prints, in its order; tsproxyd adds its own after them', () => {
    const a = seen.apache!.autoKeys;
    const t = seen.tsproxyd!.autoKeys;
    assert.deepEqual(a.filter((k) => !t.includes(k)), [], 'keys apache2 prints that tsproxyd lacks');
    assert.ok(a.includes('ProxyBalancer[0]Worker[1]Rcvd'), 'ProxyStatus On: both members listed');
    const common = t.filter((k) => a.includes(k));
    assert.deepEqual(common, a, 'the shared keys in the same order');
    const extra = t.filter((k) => !a.includes(k));
    assert.ok(extra.includes('OpenTunnels'), extra.join(', '));
    // CPULoad is printed by httpd only when the CPU time is not zero (it usually is, for apache2 -X, here).
    assert.deepEqual(extra.filter((k) => !/^(CPULoad|OpenTunnels|TotalTunnels|TotalConnections|Total kBytesIn|Tunnel\[\d+\]\w+|Backend\[\d+\]\w+)$/.test(k)), []);
  });
});
