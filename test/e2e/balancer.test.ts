// Balancers served for real (src/balancer through the router and the forwarder): several backends on 127.0.0.1:0,
// each answering with its own name. Distribution, sticky cookies, failover from a dead member, all members dead,
// a member killed in the middle of a run of requests and brought back, and WebSocket upgrades through ws:// members.
// The pick sequences themselves are compared with apache2 in test/conformance/request-cases/balancer-*.
import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { deadPort, get, serveConf, type Reply } from '../helpers/conf-proxy.js';

const crashes: unknown[] = [];
process.on('uncaughtException', (e) => crashes.push(e));
after(() => assert.deepEqual(crashes, []));

interface Member {
  readonly name: string;
  port: number;
  hits: number;
  upgrades: number;
  close(): Promise<void>;
  /** Stop as a process that is shut down does: no new connections, in-flight answers finish, idle ones close. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  reopen(): Promise<void>;
}

/** Whatever a test started, closed at the end even when it fails midway. */
const open = new Set<{ close(): Promise<void> }>();
after(async () => {
  await Promise.all([...open].map((x) => x.close().catch(() => undefined)));
});

/** A backend that answers "NAME URL" and echoes WebSocket messages as "NAME: text". */
async function startMember(name: string, port = 0): Promise<Member> {
  const sockets = new Set<Socket>();
  let server: http.Server;
  let stopping = false;
  const m: Member = {
    name,
    port,
    hits: 0,
    upgrades: 0,
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
    async stop() {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await closed;
      stopping = false;
    },
    async reopen() {
      await listen(m.port);
    },
  };
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(`${name}: ${d.toString()}`)));
  const listen = async (p: number): Promise<void> => {
    server = http.createServer((req, res) => {
      m.hits++;
      if (stopping) res.setHeader('Connection', 'close');
      res.end(`${name} ${req.url}`);
    });
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      m.upgrades++;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    await new Promise<void>((r) => server.listen(p, '127.0.0.1', r));
    m.port = (server.address() as AddressInfo).port;
  };
  await listen(port);
  open.add(m);
  return m;
}

interface Served {
  readonly port: number;
  readonly logs: string[];
  close(): Promise<void>;
}

async function serve(conf: string): Promise<Served> {
  const proxy = await serveConf(conf);
  const served = {
    port: proxy.port,
    logs: proxy.logs,
    close: async () => {
      open.delete(served);
      await proxy.close();
    },
  };
  open.add(served);
  return served;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });
after(() => keepAlive.destroy());

const who = (r: Reply): string => r.body.split(' ')[0]!;

describe('balancer, served', () => {
  test('byrequests distributes by loadfactor (1/2/3: c b a c b c) and Header sees BALANCER_WORKER_NAME', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => startMember(n)));
    const px = await serve(`<Proxy balancer://three>
  BalancerMember http://127.0.0.1:${a!.port} loadfactor=1
  BalancerMember http://127.0.0.1:${b!.port} loadfactor=2
  BalancerMember http://127.0.0.1:${c!.port} loadfactor=3
</Proxy>
ProxyPass /app/ balancer://three/
Header always set X-Worker "%{BALANCER_WORKER_NAME}e"
RequestHeader set X-Seen "%{BALANCER_WORKER_NAME}e"`);
    try {
      const seq: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await get(px.port, `/app/p${i}`);
        assert.equal(r.status, 200);
        assert.equal(r.headers['x-worker'], `http://127.0.0.1:${{ a, b, c }[who(r) as 'a']!.port}`);
        seq.push(who(r));
      }
      assert.equal(seq.join(' '), 'c b a c b c c b a c b c');
      assert.deepEqual([a!.hits, b!.hits, c!.hits], [2, 4, 6]);
    } finally {
      await px.close();
      await Promise.all([a, b, c].map((m) => m!.close()));
    }
  });

  test('sticky cookie: a new client gets ROUTEID set, and its later requests stay with that member', async () => {
    const [one, two] = await Promise.all(['one', 'two'].map((n) => startMember(n)));
    const px = await serve(`<Proxy balancer://app>
  BalancerMember http://127.0.0.1:${one!.port} route=one
  BalancerMember http://127.0.0.1:${two!.port} route=two
  ProxySet stickysession=ROUTEID
</Proxy>
ProxyPass / balancer://app/
Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED`);
    try {
      const first = await get(px.port, '/login');
      assert.equal(who(first), 'one');
      assert.deepEqual(first.headers['set-cookie'], ['ROUTEID=.one; path=/']);
      const second = await get(px.port, '/other');
      assert.equal(who(second), 'two');
      for (let i = 0; i < 5; i++) {
        const r = await get(px.port, `/cart/${i}`, { cookie: 'session=abc; ROUTEID=.two' });
        assert.equal(who(r), 'two');
        assert.equal(r.headers['set-cookie'], undefined);
      }
      // The URL parameter works too, and wins over the cookie.
      assert.equal(who(await get(px.port, '/x?ROUTEID=.one', { cookie: 'ROUTEID=.two' })), 'one');
    } finally {
      await px.close();
      await Promise.all([one, two].map((m) => m!.close()));
    }
  });

  test('failover: a dead member is skipped without the client seeing an error; all dead is a 503', async () => {
    const [live1, live2] = await Promise.all(['live1', 'live2'].map((n) => startMember(n)));
    const [d1, d2] = [await deadPort(), await deadPort()];
    const px = await serve(`<Proxy balancer://mixed>
  BalancerMember http://127.0.0.1:${d1}
  BalancerMember http://127.0.0.1:${live1!.port}
  BalancerMember http://127.0.0.1:${live2!.port}
</Proxy>
<Proxy balancer://dead>
  BalancerMember http://127.0.0.1:${d1}
  BalancerMember http://127.0.0.1:${d2}
</Proxy>
ProxyPass /mixed/ balancer://mixed/
ProxyPass /dead/ balancer://dead/`);
    try {
      const seq: string[] = [];
      for (let i = 0; i < 6; i++) {
        const r = await get(px.port, '/mixed/x');
        assert.equal(r.status, 200);
        seq.push(who(r));
      }
      assert.equal(seq.join(' '), 'live1 live2 live1 live2 live1 live2');
      assert.equal(px.logs.filter((l) => l.includes('failover')).length, 1, px.logs.join('\n'));
      assert.equal(px.logs.filter((l) => l.includes('AH00959')).length, 1);
      const dead = await get(px.port, '/dead/x');
      assert.equal(dead.status, 503);
      assert.ok(px.logs.some((l) => l.includes('connect-failed 503')), px.logs.join('\n'));
    } finally {
      await px.close();
      await Promise.all([live1, live2].map((m) => m!.close()));
    }
  });

  test('a member stopped during a run of 2,000 requests: every request is answered 200; it is back after retry=', async () => {
    const ms = await Promise.all(['m1', 'm2', 'm3'].map((n) => startMember(n)));
    const px = await serve(`<Proxy balancer://run>
  BalancerMember http://127.0.0.1:${ms[0]!.port} retry=1
  BalancerMember http://127.0.0.1:${ms[1]!.port} retry=1
  BalancerMember http://127.0.0.1:${ms[2]!.port} retry=1
</Proxy>
ProxyPass / balancer://run/`);
    try {
      const statuses = new Map<number, number>();
      let killedAt = 0;
      const run = async (n: number, from: number): Promise<void> => {
        const workers = Array.from({ length: 8 }, async (_, w) => {
          for (let i = w; i < n; i += 8) {
            if (from + i === 500 && killedAt === 0) {
              killedAt = Date.now();
              await ms[1]!.stop();
            }
            const r = await get(px.port, `/r${from + i}`, {}, keepAlive);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          }
        });
        await Promise.all(workers);
      };
      await run(1000, 0);
      const hitsWhileDead = ms[1]!.hits;
      await run(1000, 1000);
      assert.deepEqual([...statuses], [[200, 2000]]);
      assert.ok(killedAt > 0);
      // Out of rotation: no hits after it died (the refused connects were failed over).
      assert.equal(ms[1]!.hits, hitsWhileDead);
      // Back: after retry=1 s it takes its share again.
      await ms[1]!.reopen();
      await new Promise((r) => setTimeout(r, 1100));
      const before = ms[1]!.hits;
      for (let i = 0; i < 30; i++) assert.equal((await get(px.port, `/back${i}`, {}, keepAlive)).status, 200);
      assert.ok(ms[1]!.hits - before >= 9, `m2 got ${ms[1]!.hits - before} of 30 after coming back`);
    } finally {
      await px.close();
      await Promise.all(ms.map((m) => m.close().catch(() => undefined)));
    }
  });

  test('WebSocket through ws:// members: a dead member is failed over before the 101; the tunnel keeps its member', async () => {
    const [w1, w2] = await Promise.all(['w1', 'w2'].map((n) => startMember(n)));
    const dead = await deadPort();
    const px = await serve(`<Proxy balancer://ws>
  BalancerMember ws://127.0.0.1:${dead}
  BalancerMember ws://127.0.0.1:${w1!.port}
  BalancerMember ws://127.0.0.1:${w2!.port}
</Proxy>
ProxyPass /ws/ balancer://ws/`);
    try {
      const connect = (): Promise<WebSocket> =>
        new Promise((res, rej) => {
          const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws/chat`);
          ws.on('open', () => res(ws));
          ws.on('error', rej);
        });
      const say = (ws: WebSocket, text: string): Promise<string> =>
        new Promise((res) => {
          ws.once('message', (d) => res(d.toString()));
          ws.send(text);
        });
      const a = await connect();
      const b = await connect();
      // The first upgrade went to the dead member, then to w1; the second to w2 (rotation).
      assert.equal(await say(a, 'hi'), 'w1: hi');
      assert.equal(await say(b, 'hi'), 'w2: hi');
      for (let i = 0; i < 5; i++) {
        assert.equal(await say(a, `m${i}`), `w1: m${i}`);
        assert.equal(await say(b, `m${i}`), `w2: m${i}`);
      }
      assert.deepEqual([w1!.upgrades, w2!.upgrades], [1, 1]);
      a.close();
      b.close();
    } finally {
      await px.close();
      await Promise.all([w1, w2].map((m) => m!.close()));
    }
  });
});
