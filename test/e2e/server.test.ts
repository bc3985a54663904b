// The front end: httpd's limits and statuses for what Node's parser and tsproxyd's checks refuse, 'respond'
// decisions, upgrade requests answered as plain HTTP, and close() releasing everything.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Decision, RequestFacts } from '../../src/route/types.js';
import { createProxyServer } from '../../src/server/server.js';
import { headerOf, startBackend, type RecordingBackend } from '../helpers/backend.js';
import { backendAt, forwardTo, rawExchange, settings, startProxy, type RunningProxy } from '../helpers/proxy.js';

const crashes: unknown[] = [];
process.on('uncaughtException', (e) => crashes.push(e));
after(() => assert.deepEqual(crashes, []));

describe('limits and statuses (pages as apache2 2.4.71 sends them)', () => {
  let be: RecordingBackend;
  let px: RunningProxy;
  let route: (f: RequestFacts) => Decision;
  before(async () => {
    be = await startBackend();
    route = forwardTo(backendAt(be.port));
    px = await startProxy((f) => route(f), { limitRequestFields: 5, timeoutMs: 400 });
  });
  after(async () => {
    await px.close();
    await be.close();
  });

  test('request line over LimitRequestLine: 414 and close', async () => {
    const r = await rawExchange(px.port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 414 Request-URI Too Long\r\n/);
    assert.match(r.text, /<p>The requested URL's length exceeds the capacity\nlimit for this server\.<br \/>\n<\/p>\n<\/body><\/html>\n$/);
    assert.equal(r.closed, true);
  });

  test('a field over LimitRequestFieldSize: 400 "Size of a request header field exceeds server limit."', async () => {
    const r = await rawExchange(px.port, `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(r.text, /understand\.<br \/>\nSize of a request header field exceeds server limit\.<\/p>\n/);
    assert.equal(r.closed, true);
  });

  test('a header block beyond what Node is allowed to parse: still 400, never a crash', async () => {
    const fields = Array.from({ length: 200 }, (_, i) => `X-${i}: ${'b'.repeat(8000)}\r\n`).join('');
    const r = await rawExchange(px.port, `GET / HTTP/1.1\r\nHost: h\r\n${fields}\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  test('more fields than LimitRequestFields: 400', async () => {
    const r = await rawExchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(r.text, /The number of request header fields exceeds this server's limit\.<\/p>/);
  });

  test('a body over LimitRequestBody: 413 before connecting (Content-Length) or as soon as it is exceeded (chunked)', async () => {
    route = forwardTo(backendAt(be.port), settings({ limitRequestBody: 10 }));
    const n = be.requests.length;
    const a = await rawExchange(px.port, 'POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world');
    assert.match(a.text, /^HTTP\/1\.1 413 Request Entity Too Large\r\n/);
    assert.match(a.text, /The requested resource does not allow request data with POST requests, or the amount of data provided in\nthe request exceeds the capacity limit\.\n/);
    assert.equal(be.requests.length, n);
    const b = await rawExchange(px.port, 'POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n');
    assert.match(b.text, /^HTTP\/1\.1 413 /);
    assert.equal(b.closed, true);
    route = forwardTo(backendAt(be.port));
  });

  test('garbage and smuggling attempts: 400 and close, nothing forwarded', async () => {
    const n = be.requests.length;
    for (const bad of [
      'GARBAGE\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG',
      'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n',
    ]) {
      const r = await rawExchange(px.port, bad);
      assert.match(r.text, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(bad));
      assert.equal(r.closed, true);
    }
    assert.equal(be.requests.length, n);
  });

  test('a client that stalls mid-body: 408 after Timeout, and the backend request is aborted', async () => {
    const r = await rawExchange(px.port, 'POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nabc', 3000);
    assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(r.text, /<p>Server timeout waiting for the HTTP request from the client\.<\/p>/);
    assert.equal(r.closed, true);
    const rec = be.requests.find((x) => x.path === '/slow');
    assert.ok(rec);
    assert.equal(await rec.done, false);
  });

  test("a 'respond' decision: httpd's page for that status, no request data echoed (CVE-2019-10092)", async () => {
    route = () => ({ kind: 'respond', status: 403, reason: 'forwarded URL holds a control character', settings: undefined, from: undefined });
    const r = await rawExchange(px.port, 'GET /<script>alert(1)</script> HTTP/1.1\r\nHost: h\r\n\r\n', 500);
    assert.match(r.text, /^HTTP\/1\.1 403 Forbidden\r\n/);
    assert.match(r.text, /<p>You don't have permission to access this resource\.<\/p>/);
    assert.doesNotMatch(r.text, /script/);
    route = () => {
      throw new Error('matcher bug');
    };
    const e = await rawExchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 500);
    assert.match(e.text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    route = forwardTo(backendAt(be.port));
  });

  test('an upgrade request is answered as plain HTTP without Upgrade (the tunnel is issue 4), then closed', async () => {
    const r = await rawExchange(px.port, 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n', 1000);
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(r.text, /Connection: close\r\n/);
    assert.equal(r.closed, true);
    const rec = be.requests.at(-1)!;
    assert.equal(rec.path, '/ws');
    assert.equal(headerOf(rec, 'Upgrade'), undefined);
    assert.equal(headerOf(rec, 'Connection'), 'Keep-Alive');
    assert.equal(headerOf(rec, 'Sec-WebSocket-Key'), 'dGhlIHNhbXBsZSBub25jZQ==');
  });
});

test('KeepAlive Off closes after each response; close() ends listeners, clients and pools', async () => {
  const be = await startBackend();
  const px = await startProxy(forwardTo(backendAt(be.port)), { keepAlive: false });
  const r = await rawExchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 1000);
  assert.match(r.text, /Connection: close\r\n/);
  assert.equal(r.closed, true);
  await px.close();
  await be.waitOpen(0);
  await assert.rejects(rawExchange(px.port, 'GET / HTTP/1.1\r\n\r\n', 300).then((x) => (x.text === '' ? Promise.reject(new Error('refused')) : x)));
  await be.close();
});

test('listeners: IPv6 [::1]:port and port-only (all addresses) bind and serve', async (t) => {
  const probe = await new Promise<boolean>((r) => {
    const s = net.createServer().once('error', () => r(false));
    s.listen(0, '::1', () => s.close(() => r(true)));
  });
  if (!probe) return t.skip('no IPv6 loopback here');
  const be = await startBackend();
  const server = createProxyServer({
    plan: { listen: [{ host: '::1', port: 0, protocol: 'http' }, { host: undefined, port: 0, protocol: 'http' }], main: { settings: settings() } },
    route: forwardTo(backendAt(be.port)),
    log: () => undefined,
  });
  try {
    const addrs = await server.listen();
    assert.match(addrs[0]!.text, /^\[::1\]:\d+$/);
    assert.match(addrs[1]!.text, /^\*:\d+$/);
    for (const host of ['::1', '127.0.0.1']) {
      const port = host === '::1' ? addrs[0]!.port : addrs[1]!.port;
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ host, port, path: '/v6' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    }
  } finally {
    await server.close();
    await be.close();
  }
});
