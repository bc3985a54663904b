// The status pages on the real tsproxyd process (issue #8): SetHandler server-status / balancer-manager with
// Require, the counters moving with traffic, tunnels per route, and the live view's WebSocket.
// A client on loopback cannot be "not allowed" by address, so denial is tested with `Require ip 10.0.0.1` and
// allowance with `Require local`.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { freePorts } from '../conformance/harness/ports.js';
import type { ServerProcess } from '../conformance/harness/server-process.js';
import { startTsproxyd } from '../conformance/harness/tsproxyd-server.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';
import { startBackend, type RecordingBackend } from '../helpers/backend.js';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function auto(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const at = line.indexOf(': ');
    if (at > 0) m.set(line.slice(0, at), line.slice(at + 2));
  }
  return m;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('status pages on the real process', () => {
  let dir: ConfDir;
  let proxy: ServerProcess;
  let app: RecordingBackend;
  let wsb: WsBackend;
  let port = 0;
  const status = async () => auto((await get(port, '/server-status?auto')).body);

  before(async () => {
    app = await startBackend();
    wsb = await startWsBackend();
    [port] = (await freePorts(1)) as [number];
    dir = makeConfDir();
    const conf = dir.write(
      'httpd.conf',
      [
        'ServerName localhost',
        `Listen 127.0.0.1:${port}`,
        'ProxyStatus On',
        '<Location "/server-status">',
        '    SetHandler server-status',
        '    Require local',
        '</Location>',
        '<Location "/denied">',
        '    SetHandler server-status',
        '    Require ip 10.0.0.1',
        '</Location>',
        '<Location "/open">',
        '    SetHandler server-status',
        '</Location>',
        '<Location "/balancer-manager">',
        '    SetHandler balancer-manager',
        '    <RequireAny>',
        '        Require ip 10.0.0.0/8',
        '        Require local',
        '    </RequireAny>',
        '</Location>',
        '<Proxy "balancer://pool">',
        `    BalancerMember "http://127.0.0.1:${app.port}" route=one`,
        '    BalancerMember "http://127.0.0.1:9" route=two status=+H',
        '</Proxy>',
        `ProxyPass "/ws/" "ws://127.0.0.1:${wsb.port}/"`,
        `ProxyPass "/lb/" "balancer://pool/"`,
        `ProxyPass "/app/" "http://127.0.0.1:${app.port}/"`,
        '',
      ].join('\n'),
    );
    proxy = await startTsproxyd(conf, { ports: [port] });
  });

  after(async () => {
    await proxy?.stop();
    await app?.close();
    await wsb?.close();
    dir?.remove();
  });

  test('a status section without Require is announced at start, and shown to loopback', async () => {
    assert.match(proxy.output, /SetHandler server-status in <Location \/open> has no Require: .*loopback clients only/);
    assert.equal((await get(port, '/open')).status, 200);
  });

  test('Require ip 10.0.0.1 refuses a loopback client with 403, Require local allows it', async () => {
    const denied = await get(port, '/denied');
    assert.equal(denied.status, 403);
    assert.match(denied.body, /<title>403 Forbidden<\/title>/);
    assert.equal((await get(port, '/denied?auto')).status, 403);
    const ok = await get(port, '/server-status');
    assert.equal(ok.status, 200);
    assert.match(ok.headers['content-type'] ?? '', /^text\/html/);
    assert.match(ok.body, /tsproxyd Server Status for 127\.0\.0\.1/);
  });

  test('?auto counts requests and bytes as traffic passes', async () => {
    const before = await status();
    for (let i = 0; i < 5; i++) assert.equal((await get(port, `/app/item/${i}`)).status, 200);
    const now = await status();
    assert.equal(Number(now.get('Total Accesses')) - Number(before.get('Total Accesses')), 6); // 5 + this ?auto
    assert.ok(Number(now.get('Total kBytes')) >= Number(before.get('Total kBytes')));
    assert.ok(Number(now.get('TotalConnections')) >= Number(before.get('TotalConnections')) + 6);
    assert.equal(now.get('BusyWorkers'), '1'); // this request
    assert.match(now.get('Backend[1]Name') ?? now.get('Backend[0]Name') ?? '', /^(ws|http):\/\/127\.0\.0\.1:\d+$/);
  });

  test('open tunnels per route, and back to zero when they close', async () => {
    const clients = await Promise.all(
      ['/ws/chat', '/ws/chat', '/ws/feed?x=1'].map(
        (p) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}${p}`);
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
          }),
      ),
    );
    const s = await status();
    assert.equal(s.get('OpenTunnels'), '3');
    const routes = new Map<string, string>();
    for (let i = 0; s.has(`Tunnel[${i}]Path`); i++) routes.set(`${s.get(`Tunnel[${i}]Backend`)} ${s.get(`Tunnel[${i}]Path`)}`, s.get(`Tunnel[${i}]Open`)!);
    assert.deepEqual(Object.fromEntries(routes), { [`ws://127.0.0.1:${wsb.port} /chat`]: '2', [`ws://127.0.0.1:${wsb.port} /feed`]: '1' });
    const page = (await get(port, '/server-status')).body;
    assert.match(page, new RegExp(`<td>ws://127\\.0\\.0\\.1:${wsb.port}</td><td>/chat</td><td>2</td>`));
    for (const c of clients) c.close();
    await until('tunnels to close', async () => (await status()).get('OpenTunnels') === '0');
    assert.equal(Number((await status()).get('TotalTunnels')) >= 3, true);
  });

  test('balancer members: status, elected count and traffic', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(port, `/lb/x${i}`)).status, 200);
    const s = await status();
    assert.equal(s.get('ProxyBalancer[0]Name'), 'balancer://pool');
    assert.equal(s.get('ProxyBalancer[0]Worker[0]Elected'), '3');
    assert.equal(s.get('ProxyBalancer[0]Worker[1]Status'), 'Init Stby Ok ');
    const m = await get(port, '/balancer-manager');
    assert.equal(m.status, 200);
    assert.match(m.body, new RegExp(`<td>http://127\\.0\\.0\\.1:${app.port}</td><td>one</td><td></td><td>1\\.00</td><td>0</td><td class="ok">Init Ok </td><td>3</td>`));
  });

  test('?format=prometheus: the same counters in Prometheus text', async () => {
    const r = await get(port, '/server-status?format=prometheus');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const total = Number(/^tsproxyd_requests_total (\d+)$/m.exec(r.body)?.[1]);
    assert.ok(total >= 10, r.body.slice(0, 400));
    assert.match(r.body, new RegExp(`^tsproxyd_balancer_member_elected_total\\{balancer="balancer://pool",member="http://127\\.0\\.0\\.1:${app.port}",route="one"\\} 3$`, 'm'));
    assert.equal((await get(port, '/denied?format=prometheus')).status, 403);
  });

  test('GET and HEAD only; ?refresh=N sends Refresh', async () => {
    assert.equal((await get(port, '/server-status', { method: 'POST' })).status, 405);
    const head = await get(port, '/server-status', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const r = await get(port, '/server-status?refresh=7');
    assert.equal(r.headers['refresh'], '7');
    assert.match(r.body, /<meta http-equiv="refresh" content="7">/);
  });

  test('the live view: a same-origin WebSocket at <path>/ws gets the counters every second', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/server-status/ws`, { headers: { Origin: `http://127.0.0.1:${port}` } });
    const messages: { values: Record<string, string>; parts: Record<string, string> }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as (typeof messages)[number]));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await until('a first message', async () => messages.length >= 1);
    const first = Number(messages[0]!.values['requests']);
    for (let i = 0; i < 4; i++) await get(port, `/app/live/${i}`);
    await until('a message counting the new requests', async () => messages.some((m) => Number(m.values['requests']) >= first + 4), 4000);
    assert.ok(messages.at(-1)!.parts['tsp-backends']!.includes(`http://127.0.0.1:${app.port}`));
    // a viewer is not a request being processed
    assert.equal((await status()).get('BusyWorkers'), '1');
    ws.close();
  });

  test('the live view refuses other origins and clients its Require refuses', async () => {
    const refused = (path: string, origin: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { Origin: origin } });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('open', () => reject(new Error(`${path} from ${origin} was accepted`)));
        ws.once('error', () => undefined);
      });
    assert.equal(await refused('/server-status/ws', 'http://evil.example'), 403);
    assert.equal(await refused('/denied/ws', `http://127.0.0.1:${port}`), 403);
  });

  // Last: it stops the server.
  test('a graceful stop does not wait for live viewers: they are closed with 1001', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/server-status/ws`);
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const t0 = Date.now();
    await proxy.stop(5000); // SIGTERM; SIGKILL only after 5 s
    assert.ok(Date.now() - t0 < 3000, `stopped after ${Date.now() - t0} ms`);
    assert.equal(await closed, 1001);
  });
});
