// 2,000 WebSocket connections open at once through tsproxyd (the CLI, in its own process, on a ProxyPass ws://
// config), each exchanging sequence-numbered text and binary messages both ways: per connection, nothing lost,
// duplicated, reordered or altered, in either direction; then every close code and reason arrives intact.
// TUNNEL_CONNS / TUNNEL_MSGS change the load.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';
import { startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';

const CONNS = Number(process.env.TUNNEL_CONNS ?? 2000);
const MSGS = Number(process.env.TUNNEL_MSGS ?? 20);
const SERVER_FIRST = 5; // messages the backend sends right after its 101, before any echo
const HANDSHAKE_WINDOW = 250; // handshakes in flight at once while opening (all CONNS stay open together)

/** Message k of connection c: even k text, odd k binary; sizes from a few bytes to 70 KB (64-bit length frames). */
function message(c: number, k: number): { data: string | Buffer; binary: boolean } {
  const size = k === 7 ? 20_000 : k === 13 ? 70_000 : 8 + ((c * 31 + k * 17) % 600);
  if (k % 2 === 0) {
    const tag = `c${c}:k${k}:`;
    return { data: tag + 'x'.repeat(Math.max(0, size - tag.length)) + 'é', binary: false };
  }
  const b = Buffer.alloc(size);
  b.writeUInt32BE(c, 0);
  b.writeUInt32BE(k, 4);
  for (let i = 8; i < size; i++) b[i] = (c + k + i) & 0xff;
  return { data: b, binary: true };
}

const serverMessage = (c: number, k: number): string => `srv:${c}:${k}`;

/** A short description of a received message, for comparing whole sequences. */
function describeMsg(data: Buffer | string, binary: boolean): string {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  if (!binary) {
    const text = buf.toString('utf8');
    if (text.startsWith('srv:')) return text;
    const m = /^c(\d+):k(\d+):/.exec(text);
    if (!m) return `text?${text.slice(0, 20)}`;
    const want = message(Number(m[1]), Number(m[2]));
    return want.binary || want.data !== text ? `text-corrupt:${m[0]}` : `c${m[1]}:k${m[2]}:text`;
  }
  if (buf.length < 8) return `binary?${buf.length}`;
  const c = buf.readUInt32BE(0);
  const k = buf.readUInt32BE(4);
  const want = message(c, k);
  return !want.binary || !buf.equals(want.data as Buffer) ? `binary-corrupt:c${c}:k${k}` : `c${c}:k${k}:binary`;
}

const expectedFromClient = (c: number): string[] => Array.from({ length: MSGS }, (_, k) => `c${c}:k${k}:${message(c, k).binary ? 'binary' : 'text'}`);
const expectedAtClient = (c: number): string[] => [...Array.from({ length: SERVER_FIRST }, (_, k) => serverMessage(c, k)), ...expectedFromClient(c)];

let be: WsBackend;
let px: TsproxydChild;
const clients: WebSocket[] = [];
const atBackend = new Map<number, string[]>();
const backendClose = new Map<number, { code: number; reason: string }>();

before(async () => {
  be = await startWsBackend({ perMessageDeflate: false });
  be.onConnection = (ws, req) => {
    const c = Number(/\/c\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    const got: string[] = [];
    atBackend.set(c, got);
    for (let k = 0; k < SERVER_FIRST; k++) ws.send(serverMessage(c, k));
    ws.on('message', (data, isBinary) => {
      got.push(describeMsg(data as Buffer, isBinary));
      ws.send(data as Buffer, { binary: isBinary });
    });
    ws.on('close', (code, reason) => backendClose.set(c, { code, reason: reason.toString() }));
  };
  px = await startTsproxyd(() => `ServerName proxy.example\nProxyPass /ws/ ws://127.0.0.1:${be.port}/ws/\n`);
});

after(async () => {
  for (const c of clients) c.terminate();
  await be?.close();
  if (px) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

test(`${CONNS} concurrent WebSocket tunnels × ${MSGS} messages each way, per-connection order and content`, { timeout: 120_000 }, async (t) => {
  const t0 = Date.now();
  const atClient = new Map<number, string[]>();
  const clientClose = new Map<number, { code: number; reason: string }>();
  const openErrors: string[] = [];
  const closed: Promise<void>[] = [];

  const openOne = (c: number): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${px.port}/ws/c/${c}`, { perMessageDeflate: false });
      clients[c] = ws;
      const got: string[] = [];
      atClient.set(c, got);
      ws.on('message', (data, isBinary) => got.push(describeMsg(data as Buffer, isBinary)));
      closed.push(new Promise((r) => ws.on('close', (code, reason) => (clientClose.set(c, { code, reason: reason.toString() }), r()))));
      ws.on('unexpected-response', (_req, res) => {
        openErrors.push(`c${c}: HTTP ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (e) => {
        if (!openErrors.some((x) => x.startsWith(`c${c}:`))) openErrors.push(`c${c}: ${e.message}`);
      });
      ws.on('open', () => resolve());
      ws.on('close', () => resolve());
    });

  // Open all, HANDSHAKE_WINDOW handshakes at a time.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(HANDSHAKE_WINDOW, CONNS) }, async () => {
      while (next < CONNS) await openOne(next++);
    }),
  );
  const tOpen = Date.now();
  assert.deepEqual(openErrors.slice(0, 10), [], `${openErrors.length} connections failed to open`);
  assert.equal(clients.filter((w) => w.readyState === WebSocket.OPEN).length, CONNS);
  assert.equal(be.open(), CONNS, 'backend connections open at once');
  const rssOpen = px.rss();

  // Every connection sends all its messages at once; the backend echoes each.
  const allEchoed = Promise.all(
    clients.map(
      (ws, c) =>
        new Promise<void>((resolve) => {
          const got = atClient.get(c)!;
          const check = (): void => {
            if (got.length >= SERVER_FIRST + MSGS) resolve();
          };
          ws.on('message', check);
          ws.on('close', () => resolve());
          check();
        }),
    ),
  );
  for (let c = 0; c < CONNS; c++) {
    for (let k = 0; k < MSGS; k++) {
      const m = message(c, k);
      clients[c]!.send(m.data, { binary: m.binary });
    }
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allEchoed, new Promise((r) => (timer = setTimeout(r, 60_000)))]);
  clearTimeout(timer);
  const tExchanged = Date.now();

  const bad: string[] = [];
  for (let c = 0; c < CONNS; c++) {
    const gotC = atClient.get(c) ?? [];
    const wantC = expectedAtClient(c);
    if (JSON.stringify(gotC) !== JSON.stringify(wantC)) bad.push(`client ${c} received [${gotC.join(' ')}], expected [${wantC.join(' ')}]`);
    const gotB = atBackend.get(c) ?? [];
    const wantB = expectedFromClient(c);
    if (JSON.stringify(gotB) !== JSON.stringify(wantB)) bad.push(`backend for ${c} received [${gotB.join(' ')}], expected [${wantB.join(' ')}]`);
  }
  assert.equal(bad.length, 0, `${bad.length} sequences wrong; first ones:\n${bad.slice(0, 5).join('\n')}`);

  // Client-initiated close with a per-connection code and reason; both ends see them.
  for (let c = 0; c < CONNS; c++) clients[c]!.close(4000 + (c % 999), `bye ${c} ✓`);
  await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, 20_000)))]);
  clearTimeout(timer);
  // The backend's close events come when its TCP connections are gone, which may be after the clients' are.
  for (let i = 0; i < 1000 && backendClose.size < CONNS; i++) await new Promise((r) => setTimeout(r, 10));
  const closeBad: string[] = [];
  for (let c = 0; c < CONNS; c++) {
    const want = JSON.stringify({ code: 4000 + (c % 999), reason: `bye ${c} ✓` });
    if (JSON.stringify(backendClose.get(c)) !== want) closeBad.push(`backend ${c}: ${JSON.stringify(backendClose.get(c))}`);
    if (JSON.stringify(clientClose.get(c)) !== want) closeBad.push(`client ${c}: ${JSON.stringify(clientClose.get(c))}`);
  }
  const firstBad = [...closeBad.filter((x) => x.startsWith('client')).slice(0, 3), ...closeBad.filter((x) => x.startsWith('backend')).slice(0, 3)];
  assert.equal(closeBad.length, 0, `${closeBad.length} close codes/reasons wrong; first ones:\n${firstBad.join('\n')}`);
  await be.waitOpen(0, 10_000);
  assert.ok(px.alive(), 'tsproxyd is running');
  t.diagnostic(`open ${CONNS}: ${tOpen - t0} ms; exchange ${CONNS * MSGS} messages each way: ${tExchanged - tOpen} ms; close: ${Date.now() - tExchanged} ms; proxy RSS with ${CONNS} open: ${(rssOpen / 2 ** 20).toFixed(0)} MiB`);
});
