// Every example config in conf/ served for real: its backend addresses pointed at a test backend (HTTP, WebSocket
// echo, and a raw byte echo for other Upgrade protocols), then the requests the file's comments promise are made
// through tsproxyd. The files themselves are also checked by `tsproxyd --check` in test/e2e/cli.test.ts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config/load.js';
import { compilePlan } from '../../src/route/compile.js';
import { route } from '../../src/route/route.js';
import { createProxyServer, type ProxyServer } from '../../src/server/server.js';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';

const CONF = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'conf');

interface Seen {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** HTTP answers "plain <url>", WebSocket echoes, "Upgrade: echo-proto" gets a 101 and a raw byte echo. */
async function startBackend(): Promise<{ port: number; seen: Seen[]; close(): void }> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.end(`plain ${req.url}`);
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') return wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close() {
      for (const s of sockets) s.destroy();
      wss.close();
      server.close();
    },
  };
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => res({ status: r.statusCode ?? 0, body }));
      })
      .on('error', rej);
  });
}

/** A GET with request headers: the status, the body and the Set-Cookie fields of the answer. */
function getCookies(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((res, rej) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => res({ status: r.statusCode ?? 0, body, setCookie: r.headers['set-cookie'] ?? [] }));
      })
      .on('error', rej);
  });
}

/** A WebSocket round trip: the echoed text, or "HTTP <status>" when the upgrade is refused. */
function wsEcho(port: number, path: string): Promise<string> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    ws.on('open', () => ws.send(`hello ${path}`));
    ws.on('message', (m) => {
      res(m.toString());
      ws.close();
    });
    ws.on('unexpected-response', (_q, r) => {
      res(`HTTP ${r.statusCode}`);
      r.resume();
      ws.terminate();
    });
    ws.on('error', rej);
  });
}

/** A raw upgrade to another protocol: the status line, and what comes back for "ping" after a 101. */
function rawUpgrade(port: number, path: string, protocol: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`));
    let text = '';
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = text.slice(0, text.indexOf('\r\n'));
      if (!status.includes(' 101 ')) {
        s.destroy();
        return res(status);
      }
      if (text.length === end + 4) return void s.write('ping');
      if (text.endsWith('ping')) {
        s.destroy();
        res(`${status} +echo`);
      }
    });
    s.on('error', rej);
  });
}

type Check = (port: number, seen: Seen[]) => Promise<void>;

const EXAMPLES: Record<string, { checks: Record<string, Check>; todo?: string }> = {
  'balancer.conf': {
    checks: {
      'new clients are spread 2:1 by loadfactor, each told its member in a ROUTEID cookie': async (p) => {
        const routes: string[] = [];
        for (let i = 0; i < 6; i++) {
          const r = await getCookies(p, `/page${i}`);
          assert.equal(r.status, 200);
          assert.equal(r.body, `plain /page${i}`);
          routes.push(r.setCookie.join(';'));
        }
        const one = 'ROUTEID=.one; path=/';
        const two = 'ROUTEID=.two; path=/';
        assert.deepEqual(routes, [one, two, one, one, two, one]);
      },
      'a client with a route stays on its member and gets no new cookie': async (p) => {
        for (let i = 0; i < 3; i++) assert.deepEqual(await getCookies(p, '/cart', { cookie: 'ROUTEID=.two' }), { status: 200, body: 'plain /cart', setCookie: [] });
      },
      'WebSockets under /ws/ are balanced too': async (p, seen) => {
        assert.equal(await wsEcho(p, '/ws/room'), 'hello /ws/room');
        assert.equal(seen.at(-1)?.url, '/ws/room');
      },
    },
  },
  'httpd.conf': {
    checks: {
      'a WebSocket under /ws/ is tunnelled': async (p, seen) => {
        assert.equal(await wsEcho(p, '/ws/chat'), 'hello /ws/chat');
        assert.equal(seen.at(-1)?.url, '/ws/chat');
      },
      'other paths are proxied with X-Forwarded-Proto and X-Real-IP': async (p, seen) => {
        assert.deepEqual(await get(p, '/page'), { status: 200, body: 'plain /page' });
        assert.equal(seen.at(-1)?.headers['x-forwarded-proto'], 'http');
        assert.equal(seen.at(-1)?.headers['x-real-ip'], '127.0.0.1');
      },
      'a WebSocket handshake carries X-Real-IP too': async (p, seen) => {
        assert.equal(await wsEcho(p, '/ws/ip'), 'hello /ws/ip');
        assert.equal(seen.at(-1)?.headers['x-real-ip'], '127.0.0.1');
      },
    },
  },
  'status.conf': {
    checks: {
      'the application is proxied (the status paths are excluded from the catch-all ProxyPass)': async (p) =>
        assert.deepEqual(await get(p, '/page'), { status: 200, body: 'plain /page' }),
      'server-status?auto counts requests and lists the balancer members': async (p) => {
        const r = await get(p, '/server-status?auto');
        assert.equal(r.status, 200);
        assert.match(r.body, /^Total Accesses: \d+$/m);
        assert.match(r.body, /^ProxyBalancer\[0\]Name: balancer:\/\/app$/m);
        assert.match(r.body, /^ProxyBalancer\[0\]Worker\[1\]Name: http:\/\/127\.0\.0\.1:3001$/m);
      },
      'the HTML page and the read-only balancer-manager': async (p) => {
        assert.match((await get(p, '/server-status')).body, /tsproxyd Server Status for 127\.0\.0\.1/);
        assert.match((await get(p, '/balancer-manager')).body, /LoadBalancer Status for balancer:\/\/app/);
      },
    },
  },
  'upgrade-any.conf': {
    checks: {
      'upgrade=ANY tunnels another protocol': async (p) => assert.equal(await rawUpgrade(p, '/tunnel/x', 'echo-proto'), 'HTTP/1.1 101 Switching Protocols +echo'),
      'upgrade=websocket tunnels a WebSocket over http://': async (p) => assert.equal(await wsEcho(p, '/ws/x'), 'hello /ws/x'),
      'upgrade=websocket does not forward another protocol': async (p, seen) => {
        assert.equal(await rawUpgrade(p, '/ws/x', 'echo-proto'), 'HTTP/1.1 200 OK');
        assert.equal(seen.at(-1)?.headers.upgrade, undefined);
      },
      'plain requests go to the last rule': async (p) => assert.deepEqual(await get(p, '/x'), { status: 200, body: 'plain /x' }),
    },
  },
  'upgrade-none.conf': {
    checks: {
      'upgrade=NONE: a WebSocket upgrade is not forwarded (the backend sees a plain GET)': async (p, seen) => {
        assert.equal(await wsEcho(p, '/app/x'), 'HTTP 200');
        assert.equal(seen.at(-1)?.headers.upgrade, undefined);
      },
    },
  },
  'websocket-fallback-off.conf': {
    checks: {
      'a plain request skips the ws:// rule': async (p) => assert.deepEqual(await get(p, '/page'), { status: 200, body: 'plain /page' }),
      'a WebSocket takes the ws:// rule': async (p, seen) => {
        assert.equal(await wsEcho(p, '/chat'), 'hello /chat');
        assert.equal(seen.at(-1)?.headers.upgrade, 'WebSocket');
      },
      'another Upgrade gets 426': async (p) => assert.equal(await rawUpgrade(p, '/chat', 'echo-proto'), 'HTTP/1.1 426 Upgrade Required'),
    },
  },
  'websocket-match-before-http.conf': {
    checks: {
      'the ProxyPassMatch ws:// rule tunnels /myApp/ws': async (p, seen) => {
        assert.equal(await wsEcho(p, '/myApp/ws'), 'hello /myApp/ws');
        assert.equal(seen.at(-1)?.url, '/myApp/ws');
      },
      'everything else is plain HTTP': async (p) => assert.deepEqual(await get(p, '/myApp/page'), { status: 200, body: 'plain /myApp/page' }),
    },
  },
  'websocket-only.conf': {
    checks: {
      'a WebSocket under /ws2/ is tunnelled to the backend root': async (p, seen) => {
        assert.equal(await wsEcho(p, '/ws2/room'), 'hello /ws2/room');
        assert.equal(seen.at(-1)?.url, '/room');
      },
      'a plain request to a ws:// route is proxied as HTTP (httpd 2.4.47+)': async (p) => assert.deepEqual(await get(p, '/ws2/x'), { status: 200, body: 'plain /x' }),
    },
  },
  'websocket-proxy-spelling.conf': {
    checks: {
      'one-line Proxy tunnels /ws2/': async (p) => assert.equal(await wsEcho(p, '/ws2/a'), 'hello /ws2/a'),
      'one-line ProxyMatch tunnels /myApp/ws': async (p) => assert.equal(await wsEcho(p, '/myApp/ws'), 'hello /myApp/ws'),
      'one-line Proxy / serves the rest': async (p) => assert.deepEqual(await get(p, '/z'), { status: 200, body: 'plain /z' }),
    },
  },
  'websocket-rewrite.conf': {
    checks: {
      'the RewriteRule [P] tunnels any WebSocket path': async (p) => assert.equal(await wsEcho(p, '/any/path'), 'hello /any/path'),
      'plain requests go to the ProxyPass': async (p) => assert.deepEqual(await get(p, '/page'), { status: 200, body: 'plain /page' }),
    },
  },
};

describe('conf/ examples, served', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let dir: ConfDir;
  before(async () => {
    backend = await startBackend();
    dir = makeConfDir();
  });
  after(() => {
    backend?.close();
    dir?.remove();
  });

  test('every conf/ file has examples here', () => {
    assert.deepEqual(readdirSync(CONF).filter((f) => f.endsWith('.conf')).sort(), Object.keys(EXAMPLES).sort());
  });

  for (const [file, { checks, todo }] of Object.entries(EXAMPLES)) {
    describe(file, () => {
      let proxy: ProxyServer;
      let port = 0;
      before(async () => {
        // Backend addresses (127.0.0.1:3000/9000/9080) → the test backend; LoadModule lines need apache's files.
        const text = readFileSync(join(CONF, file), 'utf8')
          .replace(/^LoadModule .*$/gm, '')
          .replace(/127\.0\.0\.1:(3000|9000|9080)\b/g, `127.0.0.1:${backend.port}`);
        const loaded = loadConfig({ file: dir.write(file, text), env: {} });
        assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
        const plan = compilePlan(loaded.model);
        proxy = createProxyServer({ plan: { ...plan, listen: [{ host: '127.0.0.1', port: 0, protocol: 'http' }] }, route: (f) => route(plan, { ...f, localPort: 8080 }), log: () => undefined });
        port = (await proxy.listen())[0]!.port;
      });
      after(() => proxy?.close());
      for (const [name, check] of Object.entries(checks)) test(name, todo ? { todo } : {}, () => check(port, backend.seen));
    });
  }
});
