// Backend failures as httpd 2.4.71 answers them (pages checked against apache2), aborted exchanges, and pooling.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { errorPage } from '../../src/proxy/error-page.js';
import { startBackend } from '../helpers/backend.js';
import { backendAt, forwardTo, rawExchange, settings, startProxy } from '../helpers/proxy.js';

const crashes: unknown[] = [];
process.on('uncaughtException', (e) => crashes.push(e));
after(() => assert.deepEqual(crashes, []));

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const bodyOf = (text: string): string => text.slice(text.indexOf('\r\n\r\n') + 4);

test('connect refused: 503 Service Unavailable (plain page), Connection: close; a plain worker retries every time', async () => {
  const px = await startProxy(forwardTo(backendAt(await deadPort())));
  try {
    for (let i = 0; i < 2; i++) {
      const r = await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
      assert.match(r.text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
      assert.match(r.text, /\r\nConnection: close\r\n/);
      assert.match(r.text, /\r\nContent-Type: text\/html; charset=iso-8859-1\r\n/);
      assert.equal(bodyOf(r.text), errorPage(503).body);
    }
    // apache2 2.4.71: a ProxyPass worker has status I (ignore errors) by default: two AH00957 connect attempts.
    assert.equal(px.logs.filter((l) => l.includes('connect-failed')).length, 2);
  } finally {
    await px.close();
  }
});

test('status=-I: the worker is in error state for retry= seconds: later requests get 503 at once, no connect', async () => {
  const port = await deadPort();
  const px = await startProxy(forwardTo(backendAt(port, { status: { set: '', clear: 'I' }, retryMs: 60_000 })));
  try {
    const first = await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.match(first.text, /^HTTP\/1\.1 503 /);
    // Now something listens there: a disabled worker must not even try it.
    const srv = net.createServer((s) => s.destroy());
    let accepted = 0;
    srv.on('connection', () => accepted++);
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    const t0 = Date.now();
    const second = await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.match(second.text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.ok(Date.now() - t0 < 500);
    assert.equal(accepted, 0);
    assert.ok(px.logs.some((l) => l.includes('AH00959')), px.logs.join('\n'));
    assert.ok(px.logs.some((l) => l.includes('worker-disabled') && l.includes('AH00940')));
    await new Promise<void>((r) => srv.close(() => r()));
  } finally {
    await px.close();
  }
});

test('retry=1: after the retry interval the worker is tried again', async () => {
  const be = await startBackend();
  const port = be.port;
  await be.close();
  const px = await startProxy(forwardTo(backendAt(port, { status: { set: '', clear: 'I' }, retryMs: 1000 })));
  try {
    assert.match((await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n')).text, /^HTTP\/1\.1 503 /);
    const again = await startBackendOn(port);
    assert.match((await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', 500)).text, /^HTTP\/1\.1 503 /);
    await new Promise((r) => setTimeout(r, 1100));
    assert.match((await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', 500)).text, /^HTTP\/1\.1 200 OK\r\n/);
    await new Promise<void>((r) => again.close(() => r()));
  } finally {
    await px.close();
  }
});

function startBackendOn(port: number): Promise<http.Server> {
  const s = http.createServer((_q, r) => r.end('ok'));
  return new Promise((resolve) => s.listen(port, '127.0.0.1', () => resolve(s)));
}

test('DNS failure: 500 Proxy Error "DNS lookup failure for: host"', async () => {
  const b = { ...backendAt(80, {}, 'no-such-host.invalid'), key: 'http://no-such-host.invalid:80' };
  const px = await startProxy(forwardTo(b));
  try {
    const r = await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', 5000);
    assert.match(r.text, /^HTTP\/1\.1 500 Proxy Error\r\n/);
    assert.equal(bodyOf(r.text), errorPage(500, { proxyReason: 'DNS lookup failure for: no-such-host.invalid' }).body);
    assert.ok(bodyOf(r.text).includes('<title>500 Proxy Error</title>'));
  } finally {
    await px.close();
  }
});

test('no response headers within timeout: 502 Proxy Error "Error reading from remote server"', async () => {
  const be = await startBackend({ handler: () => undefined });
  const px = await startProxy(forwardTo(backendAt(be.port), settings({ timeoutMs: 400 })));
  try {
    const t0 = Date.now();
    const r = await rawExchange(px.port, 'GET /slow HTTP/1.1\r\nHost: h\r\n\r\n', 3000);
    assert.ok(Date.now() - t0 >= 380);
    assert.match(r.text, /^HTTP\/1\.1 502 Proxy Error\r\n/);
    assert.equal(
      bodyOf(r.text),
      '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n<html><head>\n<title>502 Proxy Error</title>\n' +
        '</head><body>\n<h1>Proxy Error</h1>\n<p>The proxy server received an invalid\r\nresponse from an upstream server.<br />\r\n' +
        'The proxy server could not handle the request<p>Reason: <strong>Error reading from remote server</strong></p></p>\n</body></html>\n',
    );
    assert.doesNotMatch(r.text, /Connection: close/); // apache2 keeps the client connection after a 502
    await be.waitOpen(0);
  } finally {
    await px.close();
    await be.close();
  }
});

test('timeout while sending the request body (backend not reading): 504 Gateway Timeout', async () => {
  const be = await startBackend({ handler: (req) => req.pause() });
  const px = await startProxy(forwardTo(backendAt(be.port), settings({ timeoutMs: 400 })));
  try {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: px.port, method: 'POST', path: '/u', headers: { 'Content-Length': String(64 << 20) } }, (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }));
        res.on('error', reject);
      });
      r.on('error', () => undefined);
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 << 20) {
          sent += chunk.length;
          if (!r.write(chunk)) return void r.once('drain', pump);
        }
        r.end();
      };
      pump();
    });
    assert.equal(res.status, 504);
    assert.equal(res.body, errorPage(504).body);
  } finally {
    await px.close();
    await be.close();
  }
});

test('Expect: 100-continue and a backend that never answers: 503 Proxy Error "Timeout on 100-Continue"', async () => {
  const be = await startBackend();
  be.onContinue = () => undefined;
  const px = await startProxy(forwardTo(backendAt(be.port), settings({ timeoutMs: 300 })));
  try {
    const r = await rawExchange(px.port, 'POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n', 2000);
    assert.match(r.text, /^HTTP\/1\.1 503 Proxy Error\r\n/);
    assert.match(r.text, /<title>503 Proxy Error<\/title>/);
    assert.match(r.text, /Connection: close/);
  } finally {
    await px.close();
    await be.close();
  }
});

test('malformed backend responses: 502, nothing of them relayed', async () => {
  const bad = ['garbage here\r\n\r\n', 'HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n0\r\n\r\nResponse splitting attach'];
  for (const raw of bad) {
    const srv = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end(raw));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const px = await startProxy(forwardTo(backendAt((srv.address() as net.AddressInfo).port)));
    try {
      const r = await rawExchange(px.port, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 1000);
      assert.match(r.text, /^HTTP\/1\.1 502 Proxy Error\r\n/, JSON.stringify(raw));
      assert.doesNotMatch(r.text, /splitting|garbage/);
    } finally {
      await px.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  }
});

test('a client killed mid-upload aborts the backend request and frees its socket', async () => {
  const be = await startBackend({ keepBody: false });
  const px = await startProxy(forwardTo(backendAt(be.port)));
  try {
    const s = net.connect(px.port, '127.0.0.1');
    s.on('error', () => undefined);
    s.write(`POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: ${10 << 20}\r\n\r\n`);
    s.write(Buffer.alloc(1 << 20));
    while (be.requests.length === 0 || be.requests[0]!.bodyLength < 512 * 1024) await new Promise((r) => setTimeout(r, 10));
    s.destroy();
    assert.equal(await be.requests[0]!.done, false);
    await be.waitOpen(0);
    for (let i = 0; i < 100 && px.server.backendSockets(`http://127.0.0.1:${be.port}`) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(px.server.backendSockets(`http://127.0.0.1:${be.port}`), 0);
    assert.ok(px.logs.some((l) => /client-(gone|error)/.test(l)), px.logs.join('\n'));
  } finally {
    await px.close();
    await be.close();
  }
});

test('a backend killed mid-response: the client sees an aborted response, the proxy goes on', async () => {
  const be = await startBackend({
    handler: (req, res) => {
      if (req.url === '/after') return void res.end('fine');
      res.writeHead(200, { 'Content-Length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.destroy(), 50);
    },
  });
  const px = await startProxy(forwardTo(backendAt(be.port)));
  try {
    const outcome = await new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port: px.port, path: '/die' }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('aborted'));
      }).on('error', () => resolve('error'));
    });
    assert.notEqual(outcome, 'end');
    const after = await rawExchange(px.port, 'GET /after HTTP/1.1\r\nHost: h\r\n\r\n', 500);
    assert.match(after.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*fine$/);
  } finally {
    await px.close();
    await be.close();
  }
});

test('1,000 keep-alive requests reuse a handful of backend connections', async () => {
  const be = await startBackend();
  const px = await startProxy(forwardTo(backendAt(be.port)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    let i = 0;
    const one = (): Promise<void> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: px.port, path: `/k${i}`, agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
        }).on('error', reject);
      });
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (i++ < 1000) await one();
    }));
    assert.equal(be.requests.length, 1000);
    assert.ok(be.connections() <= 8, `${be.connections()} backend connections for 1,000 requests`);
  } finally {
    agent.destroy();
    await px.close();
    await be.close();
  }
});

test('disablereuse=On: a new backend connection per request, "Connection: close" sent', async () => {
  const be = await startBackend();
  const px = await startProxy(forwardTo(backendAt(be.port, { disableReuse: true })));
  try {
    for (let i = 0; i < 3; i++) await rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', 300);
    assert.equal(be.connections(), 3);
    assert.equal(be.requests[0]!.rawHeaders.at(-1), 'close');
  } finally {
    await px.close();
    await be.close();
  }
});

test('max=2: at most two backend connections, the rest queue', async () => {
  let open = 0;
  let peak = 0;
  const be = await startBackend({
    handler: (_req, res) => {
      peak = Math.max(peak, ++open);
      setTimeout(() => {
        open--;
        res.end('ok');
      }, 30);
    },
  });
  const px = await startProxy(forwardTo(backendAt(be.port, { max: 2 })));
  try {
    await Promise.all(Array.from({ length: 6 }, () => rawExchange(px.port, 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n', 600)));
    assert.equal(be.requests.length, 6);
    assert.ok(be.connections() <= 2 && peak <= 2, `connections ${be.connections()}, concurrent ${peak}`);
  } finally {
    await px.close();
    await be.close();
  }
});

test('a pooled connection the backend closed while idle is retried once on a fresh one', async () => {
  const be = await startBackend();
  const px = await startProxy(forwardTo(backendAt(be.port)));
  try {
    assert.match((await rawExchange(px.port, 'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n', 300)).text, /200 OK/);
    // Drop the idle backend connection from the backend side, then ask again at once.
    await be.close().catch(() => undefined);
    const be2 = await startBackendOn(be.port);
    const r = await rawExchange(px.port, 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n', 500);
    assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
    await new Promise<void>((res) => be2.close(() => res()));
  } finally {
    await px.close();
  }
});
