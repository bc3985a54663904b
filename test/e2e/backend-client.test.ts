// The lean backend client (src/proxy/backend-client.ts) against scripted raw backends: what it writes is what
// http.request writes, and every response shape the parser allows reaches the handler as ClientRequest reports it.
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { BackendCall, LEAN_CLIENT, LeanPool, leanRequestHead, type CallHandler, type ResponseHead } from '../../src/proxy/backend-client.js';
import { groupFields } from '../../src/proxy/raw-fields.js';

const crashes: unknown[] = [];
process.on('uncaughtException', (e) => crashes.push(e));
after(() => assert.deepEqual(crashes, []));

/** A backend that hands each connection to `onConn`; records every byte received per connection. */
async function rawBackend(onConn: (s: Socket, received: () => string) => void): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const srv = net.createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    onConn(s, () => got);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

/** Answers each request (a head ending in CRLFCRLF, no body) with the next of `answers`, written in `pieces`. */
function scripted(answers: (string | Buffer)[], pieces = 1): (s: Socket, received: () => string) => void {
  return (s, received) => {
    let answered = 0;
    s.on('data', () => {
      const heads = received().split('\r\n\r\n').length - 1;
      while (answered < heads && answers.length > 0) {
        answered++;
        const a = Buffer.from(answers.shift()!);
        const step = Math.max(1, Math.ceil(a.length / pieces));
        for (let i = 0; i < a.length; i += step) s.write(a.subarray(i, i + step));
      }
    });
  };
}

interface Outcome {
  socket: boolean;
  interim: { status: number; raw: string[] }[];
  head?: ResponseHead;
  body: Buffer;
  ended: boolean;
  upgrade?: ResponseHead;
  error?: Error & { code?: string };
}

/** One call on `pool`; resolves at end, error or upgrade. `onData` may refuse a chunk (backpressure). */
function call(pool: LeanPool, head: string, opts: { headRequest?: boolean; onData?: (c: Buffer, call: BackendCall) => boolean } = {}): { c: BackendCall; done: Promise<Outcome> } {
  const out: Outcome = { socket: false, interim: [], body: Buffer.alloc(0), ended: false };
  let settle!: (o: Outcome) => void;
  const done = new Promise<Outcome>((r) => (settle = r));
  const chunks: Buffer[] = [];
  const h: CallHandler = {
    socket: () => void (out.socket = true),
    interim: (status, _m, raw) => void out.interim.push({ status, raw }),
    head: (x) => void (out.head = x),
    data: (chunk, release) => {
      chunks.push(Buffer.from(chunk));
      release?.();
      return opts.onData ? opts.onData(chunk, c) : true;
    },
    end: (last, release) => {
      if (last) chunks.push(Buffer.from(last));
      release?.();
      out.body = Buffer.concat(chunks);
      out.ended = true;
      settle(out);
    },
    upgrade: (x) => {
      out.upgrade = x;
      settle(out);
    },
    error: (err) => {
      out.error = err;
      out.body = Buffer.concat(chunks);
      settle(out);
    },
  };
  const c = new BackendCall(head, h, 5000, false, opts.headRequest === true);
  pool.dispatch(c);
  return { c, done };
}

type PoolOptions = Partial<ConstructorParameters<typeof LeanPool>[0]>;
const GET = 'GET / HTTP/1.1\r\nHost: b\r\nConnection: Keep-Alive\r\n\r\n';
const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

/** A raw backend and a lean pool to it for `fn`; both closed afterwards. */
async function withPool(onConn: Parameters<typeof rawBackend>[0], fn: (pool: LeanPool, be: { accepted: () => number }) => Promise<void>, over: PoolOptions = {}): Promise<void> {
  const be = await rawBackend(onConn);
  const pool = new LeanPool({ host: '127.0.0.1', port: be.port, reuse: true, max: 0, idleMs: 0, soKeepAlive: false, ...over });
  try {
    await fn(pool, be);
  } finally {
    pool.close();
    await be.close();
  }
}

/** The pool closed its connection (it was not kept for reuse). */
async function assertDropped(pool: LeanPool): Promise<void> {
  await until(() => pool.size === 0);
  assert.equal(pool.size, 0);
}

test('the lean client is available on this Node (otherwise the forwarder falls back to http.request)', () => {
  assert.equal(LEAN_CLIENT, true);
});

test('leanRequestHead writes the bytes http.request writes for the same fields, or declines what it would refuse', async () => {
  // As buildRequestHeaders hands them over: Host first, a Connection field always (http.request adds one otherwise).
  const cases: string[][] = [
    ['Host', 'b:1', 'X-A', '1', 'Connection', 'Keep-Alive'],
    ['Host', 'b', 'x-dup', '1', 'Other', 'o', 'X-Dup', '2', 'X-DUP', '3', 'Connection', 'close'],
    ['Host', 'b', 'Cookie', 'a=1', 'cookie', 'b=2', 'X', 'é', 'Content-Length', '0', 'Connection', 'Keep-Alive'],
    ['Host', 'b', ...Array.from({ length: 40 }, (_, i) => [`F${i % 25}`, `v${i}`]).flat(), 'Connection', 'Keep-Alive'],
    ['Host', 'b', 'Empty', '', 'Tab', 'a\tb', 'Transfer-Encoding', 'chunked', 'Connection', 'Keep-Alive'],
  ];
  for (const raw of cases) {
    let got = '';
    const be = await rawBackend((s) => s.on('data', (d) => (got += d.toString('latin1'))));
    try {
      const r = http.request({ host: '127.0.0.1', port: be.port, method: 'POST', path: '/p?q=1', setHost: false, agent: false });
      r.on('error', () => undefined);
      for (const [n, vs] of groupFields(raw)) r.setHeader(n, vs.length === 1 ? vs[0]! : vs);
      (r as unknown as { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
      r.end();
      await until(() => got.includes('\r\n\r\n'));
      assert.equal(leanRequestHead('POST', '/p?q=1', raw), got.slice(0, got.indexOf('\r\n\r\n') + 4), JSON.stringify(raw));
      r.destroy();
    } finally {
      await be.close();
    }
  }
  assert.equal(leanRequestHead('GET', '/a b', ['Host', 'b']), undefined);
  assert.equal(leanRequestHead('GET', '/', ['Host', 'b', 'X', 'a\u0001b']), undefined);
  assert.equal(leanRequestHead('GET', '/', ['Host', 'b', 'X', 'ā']), undefined);
  assert.equal(leanRequestHead('G T', '/', ['Host', 'b']), undefined);
});

test('a response split into single bytes, chunked with trailers: head, body, end; the connection is reused', async () => {
  const chunked = 'HTTP/1.1 200 OK\r\nX-Case: Kept\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n';
  await withPool(scripted([chunked, 'HTTP/1.1 204 No Content\r\n\r\n'], 10_000), async (pool, be) => {
    const first = call(pool, GET);
    const a = await first.done;
    assert.equal(a.head?.status, 200);
    assert.deepEqual(a.head?.rawHeaders, ['X-Case', 'Kept', 'Transfer-Encoding', 'chunked']);
    assert.equal(a.body.toString(), 'abcde');
    assert.equal(first.c.reusedSocket, false);
    const second = call(pool, GET);
    assert.equal((await second.done).head?.status, 204);
    assert.equal(second.c.reusedSocket, true);
    assert.equal(be.accepted(), 1);
  });
});

test('a large Content-Length body passes through raw, with backpressure; the next response on the connection is parsed', async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const first = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`), big]);
  await withPool(scripted([first, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'], 7), async (pool, be) => {
    let pieces = 0;
    const a = await call(pool, GET, {
      onData: (_chunk, c) => {
        if (pieces++ % 2 === 1) return true;
        setTimeout(() => c.resume(), 2); // every other piece: the backend is paused for a moment
        return false;
      },
    }).done;
    assert.equal(a.error, undefined);
    assert.ok(a.body.equals(big));
    assert.equal((await call(pool, GET).done).body.toString(), 'ok');
    assert.equal(be.accepted(), 1);
  });
});

test('bytes after a raw body that nobody asked for: the call ends, the connection is dropped', async () => {
  const body = 'x'.repeat(20_000);
  await withPool(scripted([`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`]), async (pool) => {
    assert.equal((await call(pool, GET).done).body.toString(), body);
    await assertDropped(pool);
  });
});

test('the backend closes mid-body (raw or parsed): "aborted" (ECONNRESET); before any response: "socket hang up"', async () => {
  for (const [answer, message] of [
    [`HTTP/1.1 200 OK\r\nContent-Length: 50000\r\n\r\n${'y'.repeat(1000)}`, 'aborted'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nshort', 'aborted'],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'aborted'],
    ['', 'socket hang up'],
  ] as const) {
    await withPool((s) => s.once('data', () => s.end(answer)), async (pool) => {
      const a = await call(pool, GET).done;
      assert.equal(a.error?.message, message, answer);
      assert.equal(a.error?.code, 'ECONNRESET');
    });
  }
});

test('a body delimited by the end of the connection ends there; the connection is not reused', async () => {
  await withPool((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\nX: 1\r\n\r\nuntil the end')), async (pool) => {
    const a = await call(pool, GET).done;
    assert.equal(a.error, undefined);
    assert.equal(a.body.toString(), 'until the end');
    assert.equal(a.head?.httpVersion, '1.0');
    await assertDropped(pool);
  });
});

test('interim responses come first; a 101 (with or without Upgrade) is reported as an upgrade, never relayed', async () => {
  await withPool(scripted(['HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz']), async (pool) => {
    const a = await call(pool, GET).done;
    assert.deepEqual(a.interim, [{ status: 103, raw: ['Link', '</a>'] }]);
    assert.equal(a.body.toString(), 'z');
  });
  for (const answer of ['HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nraw', 'HTTP/1.1 101 Switching Protocols\r\n\r\n']) {
    await withPool(scripted([answer]), async (pool) => {
      const b = await call(pool, GET).done;
      assert.equal(b.upgrade?.status, 101);
      assert.equal(b.head, undefined);
      await assertDropped(pool);
    });
  }
});

test('HEAD: no body read even with a Content-Length; the connection is reused', async () => {
  await withPool(scripted(['HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']), async (pool, be) => {
    const a = await call(pool, 'HEAD / HTTP/1.1\r\nHost: b\r\n\r\n', { headRequest: true }).done;
    assert.equal(a.ended, true);
    assert.equal(a.body.length, 0);
    assert.equal((await call(pool, GET).done).body.toString(), 'ok');
    assert.equal(be.accepted(), 1);
  });
});

test('a malformed response is a parse error (HPE_*), and data on an idle connection drops it', async () => {
  await withPool(scripted(['HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n']), async (pool) => {
    assert.match((await call(pool, GET).done).error?.code ?? '', /^HPE_/);
  });
  let conn: Socket | undefined;
  const once = scripted(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
  await withPool((s, received) => {
    conn = s;
    once(s, received);
  }, async (pool) => {
    await call(pool, GET).done;
    assert.equal(pool.size, 1);
    conn!.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    await assertDropped(pool);
  });
});

test('max=1: a second call waits for the connection, then reuses it; close() fails what still waits', async () => {
  await withPool(scripted(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb']), async (pool, be) => {
    const x = call(pool, GET);
    const y = call(pool, GET);
    assert.equal((await x.done).body.toString(), 'a');
    assert.equal((await y.done).body.toString(), 'b');
    assert.equal(y.c.reusedSocket, true);
    assert.equal(be.accepted(), 1);
  }, { max: 1 });
  await withPool(() => undefined, async (pool) => {
    const x = call(pool, GET);
    const y = call(pool, GET);
    pool.close();
    assert.equal((await x.done).error?.code, 'ECONNRESET');
    assert.equal((await y.done).error?.code, 'ECONNRESET');
  }, { max: 1 });
});
