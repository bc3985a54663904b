// mod_proxy_hcheck served for real: balancers whose members are health-checked by the server's checker
// (src/balancer/hcheck-runner.ts) while requests go through. A member whose /health turns 500 is taken out after
// hcfails checks (its clients never see it fail) and comes back after hcpasses good ones; a TCP check finds a
// closed port; ProxyHCExpr with hc('body'); hcmethod=WS against ws:// members; nothing is checked after close.
// hcinterval=200ms: httpd 2.4.71 accepts intervals down to 100 ms.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { MemberState } from '../../src/balancer/member.js';
import { createProxyServer } from '../../src/server/server.js';
import { startBackend, type RecordingBackend } from '../helpers/backend.js';
import { deadPort, get, serveConf, type ServedConf } from '../helpers/conf-proxy.js';
import { backendAt, forwardTo, settings } from '../helpers/proxy.js';
import { startRawBackend, startWsBackend } from '../helpers/ws-backend.js';
import { probe, type ProbeSpec } from '../../src/balancer/hcheck-probe.js';
import { NO_BACKEND_TLS } from '../../src/proxy/backend-tls.js';

const crashes: unknown[] = [];
process.on('uncaughtException', (e) => crashes.push(e));
process.on('unhandledRejection', (e) => crashes.push(e));
after(() => assert.deepEqual(crashes, []));

const open = new Set<{ close(): Promise<void> }>();
after(async () => {
  await Promise.all([...open].map((x) => x.close().catch(() => undefined)));
});

async function served(conf: string): Promise<ServedConf> {
  const s = await serveConf(conf);
  open.add(s);
  return s;
}

/** The members of the configuration's balancer `name`, as the router and the checker share them. */
function members(s: ServedConf, name: string): readonly MemberState[] {
  const r = s.plan.main.routing;
  return r.balancerStates.of(r.balancers.get(name)!).members;
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Member {
  readonly name: string;
  readonly backend: RecordingBackend;
  /** What /health answers now. */
  health: { status: number; body: string };
  /** The statuses /health answered, in order. */
  readonly checks: number[];
}

async function startMember(name: string): Promise<Member> {
  const backend = await startBackend();
  const m: Member = { name, backend, health: { status: 200, body: 'ok' }, checks: [] };
  backend.handler = (req, res) => {
    if (req.url === '/health') {
      m.checks.push(m.health.status);
      return void res.writeHead(m.health.status, { 'Content-Type': 'text/plain' }).end(m.health.body);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${name} ${req.url}`);
  };
  open.add(backend);
  return m;
}

const HC = 'hcmethod=GET hcuri=/health hcinterval=200ms hcfails=2 hcpasses=2';

describe('health checks, served', () => {
  test('a member whose /health answers 500 is out after hcfails checks, back after hcpasses; clients never see it', async () => {
    const [a, b] = [await startMember('a'), await startMember('b')];
    const px = await served(`<Proxy balancer://app>
  BalancerMember http://127.0.0.1:${a.backend.port} ${HC}
  BalancerMember http://127.0.0.1:${b.backend.port} ${HC}
</Proxy>
ProxyPass / balancer://app/`);
    const [ma, mb] = members(px, 'app');
    const who = async (n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await get(px.port, `/p${i}`);
        assert.equal(r.status, 200);
        out.push(r.body.split(' ')[0]!);
      }
      return out;
    };
    await until('first checks', () => a.checks.length >= 1 && b.checks.length >= 1);
    assert.deepEqual(new Set(await who(4)), new Set(['a', 'b']));
    // The request line httpd sends: HTTP/1.0, Host with the port, nothing else.
    const probe = a.backend.requests.find((r) => r.path === '/health')!;
    assert.deepEqual([probe.method, probe.httpVersion, probe.rawHeaders], ['GET', '1.0', ['Host', `127.0.0.1:${a.backend.port}`]]);

    a.health = { status: 500, body: 'down' };
    const before = a.checks.length;
    await until('a disabled', () => ma!.has('C'));
    assert.deepEqual(a.checks.slice(before), [500, 500], 'out after exactly hcfails=2 failed checks');
    assert.equal(mb!.has('C'), false);
    assert.ok(px.logs.some((l) => l.startsWith(`[proxy_hcheck:info] AH03303: Health check DISABLING http://127.0.0.1:${a.backend.port} in balancer://app`)), px.logs.join('\n'));
    const hitsA = a.backend.requests.filter((r) => r.path !== '/health').length;
    assert.deepEqual(new Set(await who(8)), new Set(['b']));
    assert.equal(a.backend.requests.filter((r) => r.path !== '/health').length, hitsA, 'no request reached the failed member');

    a.health = { status: 200, body: 'ok' };
    const failed = a.checks.length;
    await until('a enabled', () => !ma!.has('C'));
    assert.deepEqual(a.checks.slice(failed), [200, 200], 'back after exactly hcpasses=2 good checks');
    assert.ok(px.logs.some((l) => l.startsWith(`[proxy_hcheck:info] AH03302: Health check ENABLING http://127.0.0.1:${a.backend.port}`)));
    assert.deepEqual(new Set(await who(4)), new Set(['a', 'b']));

    // Closing the server stops its checks.
    await px.close();
    const n = a.checks.length + b.checks.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(a.checks.length + b.checks.length, n);
  });

  test('a TCP check against a closed port marks the member down (HcFl on the balancer-manager page); requests never try it', async () => {
    const live = await startMember('live');
    const dead = await deadPort();
    const px = await served(`<Proxy balancer://tcp>
  BalancerMember http://127.0.0.1:${dead} hcmethod=TCP hcinterval=200ms
  BalancerMember http://127.0.0.1:${live.backend.port} hcmethod=TCP hcinterval=200ms
</Proxy>
<Location "/balancer-manager">
  SetHandler balancer-manager
  Require local
</Location>
ProxyPass /balancer-manager !
ProxyPass / balancer://tcp/`);
    const [md, ml] = members(px, 'tcp');
    await until('dead member disabled', () => md!.has('C'));
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(ml!.has('C'), false, 'the live member passes its TCP checks');
    for (let i = 0; i < 4; i++) assert.equal((await get(px.port, `/t${i}`)).body, `live /t${i}`);
    assert.equal(md!.has('E'), false, 'never tried by a request (which would have put it in error)');
    assert.match(px.logs.find((l) => l.includes('DISABLING'))!, /\(ECONNREFUSED\)$/);
    const page = (await get(px.port, '/balancer-manager')).body;
    assert.match(page, new RegExp(`127\\.0\\.0\\.1:${dead}</td>.*?Init HcFl Ok`));
  });

  test("ProxyHCExpr: hc('body') !~ /Under maintenance/ takes out a member that answers 200 with that page", async () => {
    const [a, b] = [await startMember('a'), await startMember('b')];
    a.health = { status: 200, body: '<h1>Under maintenance</h1>' };
    b.health = { status: 200, body: 'fine' };
    const px = await served(`ProxyHCExpr in_service {%{REQUEST_STATUS} -lt 400 && hc('body') !~ /Under maintenance/}
<Proxy balancer://app>
  BalancerMember http://127.0.0.1:${a.backend.port} ${HC} hcexpr=in_service
  BalancerMember http://127.0.0.1:${b.backend.port} ${HC} hcexpr=in_service
</Proxy>
ProxyPass / balancer://app/`);
    const [ma, mb] = members(px, 'app');
    await until('a disabled', () => ma!.has('C'));
    assert.ok(b.checks.length >= 2);
    assert.equal(mb!.has('C'), false);
    assert.match(px.logs.find((l) => l.includes('DISABLING'))!, /status 200, condition in_service failed/);
    a.health = { status: 200, body: 'back' };
    await until('a enabled', () => !ma!.has('C'));
  });

  test('hcmethod=WS: a WebSocket handshake (with ping/pong when ping= is set) and a clean close', async () => {
    const good = await startWsBackend();
    const refusing = await startWsBackend();
    open.add(good);
    open.add(refusing);
    refusing.onUpgrade = (_req, socket) => void socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
    const px = await served(`<Proxy balancer://ws>
  BalancerMember ws://127.0.0.1:${good.port}/ws hcmethod=WS hcuri=/health hcinterval=200ms ping=1
  BalancerMember ws://127.0.0.1:${refusing.port}/ws hcmethod=WS hcuri=/health hcinterval=200ms
</Proxy>
ProxyPass /ws/ balancer://ws/`);
    const [mg, mr] = members(px, 'ws');
    await until('refusing member disabled', () => mr!.has('C'));
    await until('two checks of the good member', () => good.upgrades.length >= 2);
    assert.equal(mg!.has('C'), false);
    assert.equal(good.upgrades[0]!.url, '/ws//health', "the member's path, '/', hcuri (as httpd builds the check's URL)");
    assert.match(px.logs.find((l) => l.includes('DISABLING'))!, /\(handshake answered 503\)$/);
    await good.waitOpen(0, 2000); // each check closed its connection
    // With the good member closed, it is taken out too.
    await good.close();
    open.delete(good);
    await until('good member disabled once it is gone', () => mg!.has('C'));
  });

  test("the server owns its configuration's checks: started at listen, stopped and replaced by a reload, stopped at close", async () => {
    const calls: string[] = [];
    const checks = (name: string) => ({ start: () => void calls.push(`${name} start`), stop: () => void calls.push(`${name} stop`) });
    const options = (name: string) => ({
      plan: { listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' as const }], main: { settings: settings() } },
      route: forwardTo(backendAt(1)),
      log: () => undefined,
      healthChecks: checks(name),
    });
    const server = createProxyServer(options('one'));
    assert.deepEqual(calls, []);
    await server.listen();
    assert.deepEqual(calls, ['one start']);
    assert.equal((await server.reload(options('two'))).ok, true);
    assert.deepEqual(calls, ['one start', 'one stop', 'two start']);
    await server.close();
    assert.deepEqual(calls.slice(3), ['two stop']);
  });
});

describe('the probe, against raw backends', () => {
  const spec = (port: number, over: Partial<ProbeSpec> = {}): ProbeSpec => ({
    method: 'GET',
    scheme: 'http',
    host: '127.0.0.1',
    port,
    target: '/health',
    connectTimeoutMs: 1000,
    timeoutMs: 1000,
    tls: NO_BACKEND_TLS,
    ...over,
  });

  test('request bytes as httpd sends them; Content-Length, chunked and read-to-close bodies; HEAD reads no body', async () => {
    const answers: string[] = [
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello',
      'HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nUnde\r\n11\r\nr maintenance now\r\n0\r\n\r\n',
      'HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\nmoved away',
      'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n',
    ];
    const raw = await startRawBackend((conn) => {
      const answer = answers.shift()!;
      conn.socket.write(answer);
      if (!answer.includes('Content-Length: 1000') && !answer.includes('chunked')) conn.socket.end();
    });
    open.add(raw);
    const ac = new AbortController();
    const cl = await probe(spec(raw.port), ac.signal);
    assert.deepEqual(cl.ok && cl.response && [cl.response.status, cl.response.body, cl.response.headers.get('x-a'), cl.response.protocol], [200, 'hello', '1', 'HTTP/1.0']);
    assert.equal(raw.conns[0]!.bytes().toString('latin1'), `GET /health HTTP/1.0\r\nHost: 127.0.0.1:${raw.port}\r\n\r\n`);
    const chunked = await probe(spec(raw.port, { method: 'GET11' }), ac.signal);
    assert.deepEqual(chunked.ok && chunked.response && [chunked.response.status, chunked.response.body], [503, 'Under maintenance now']);
    assert.equal(raw.conns[1]!.bytes().toString('latin1').split('\r\n')[0], 'GET /health HTTP/1.1');
    const toClose = await probe(spec(raw.port), ac.signal);
    assert.deepEqual(toClose.ok && toClose.response && [toClose.response.status, toClose.response.body], [302, 'moved away']);
    // HEAD: the header is the answer (a Content-Length with no body after it is not waited for).
    const head = await probe(spec(raw.port, { method: 'HEAD' }), ac.signal);
    assert.deepEqual(head.ok && head.response && [head.response.status, head.response.body], [200, '']);
    assert.equal(raw.conns[3]!.bytes().toString('latin1').split('\r\n')[0], 'HEAD /health HTTP/1.0');
    await until('every probe connection closed by the probe', () => raw.conns.length === 4 && raw.conns.every((c) => c.finished));
  });

  test('failures are results, never errors: refused, no answer in time, not HTTP, aborted', async () => {
    const ac = new AbortController();
    const refused = await probe(spec(await deadPort()), ac.signal);
    assert.deepEqual(refused, { ok: false, reason: 'ECONNREFUSED' });
    const silent = await startRawBackend(() => undefined);
    const garbage = await startRawBackend((conn) => conn.socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    open.add(silent);
    open.add(garbage);
    const t0 = Date.now();
    assert.deepEqual(await probe(spec(silent.port, { timeoutMs: 300 }), ac.signal), { ok: false, reason: 'no answer within 300 ms' });
    assert.ok(Date.now() - t0 < 1000);
    const bad = await probe(spec(garbage.port, { method: 'OPTIONS' }), ac.signal);
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.reason, /^not an HTTP\/1 status line/);
    assert.equal(garbage.conns[0]!.bytes().toString('latin1').split('\r\n')[0], 'OPTIONS * HTTP/1.0');
    const pending = probe(spec(silent.port), ac.signal);
    ac.abort();
    assert.deepEqual(await pending, { ok: false, reason: 'stopped' });
    await until('every probe connection closed by the probe', () => [...silent.conns, ...garbage.conns].every((c) => c.finished));
  });
});

