// Half-close through a non-WebSocket tunnel: `ProxyPass /echo/ http://backend/echo/ upgrade=ANY` and a raw client
// asking for `Upgrade: echo`. When one side ends its write side, the other sees 'end' and can still send; the
// connection closes once both have ended. Also: bytes pipelined with the request and bytes the backend sends in
// the same write as its 101 go first, in order.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { startRawBackend, type RawBackend, type RawConn } from '../helpers/ws-backend.js';
import { startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';
import { rawUpgrade } from '../helpers/ws-raw.js';

let raw: RawBackend;
let px: TsproxydChild;
const sockets: Socket[] = [];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n';

/** The request head each connection got, and what it received after the head. */
const heads = new Map<RawConn, string>();
const afterHead = (c: RawConn): string => c.bytes().toString('latin1').slice(heads.get(c)!.length);

before(async () => {
  raw = await startRawBackend((conn, head, rest) => {
    heads.set(conn, head);
    const path = /^\S+ (\S+)/.exec(head)?.[1] ?? '';
    const s = conn.socket;
    if (path.startsWith('/echo/client-ends')) {
      // Echo; when the client's side ends, answer once more after a moment, then end.
      s.write(SWITCH);
      if (rest.length) s.write(rest);
      s.on('data', (d: Buffer) => s.write(d));
      s.on('end', () => setTimeout(() => s.end('bye after your end'), 200));
    } else if (path.startsWith('/echo/backend-ends')) {
      // Speak first, end our side, keep reading until the client ends.
      s.write(SWITCH + 'backend speaks first');
      s.end();
    } else if (path.startsWith('/echo/early')) {
      s.write(SWITCH + 'sent-with-the-101|');
      s.on('data', () => undefined);
      s.on('end', () => s.end());
      setTimeout(() => s.write('later'), 100);
    } else {
      s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    }
  });
  px = await startTsproxyd(() => `ServerName proxy.example\nProxyPass /echo/ http://127.0.0.1:${raw.port}/echo/ upgrade=ANY\n`);
});

after(async () => {
  for (const s of sockets) s.destroy();
  await raw?.close();
  if (px) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

/** Collects a socket's bytes and its 'end'. */
function collect(s: Socket, already: Buffer): { text: () => string; ended: Promise<boolean>; closed: Promise<void> } {
  let text = already.toString('latin1');
  s.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const ended = new Promise<boolean>((r) => {
    s.on('end', () => r(true));
    s.on('close', () => r(false));
  });
  const closed = new Promise<void>((r) => s.on('close', () => r()));
  s.resume();
  return { text: () => text, ended, closed };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const r = await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  clearTimeout(t);
  return r;
}

test('the client ends its side: the backend sees end, still sends, the client receives it, then all closes', { timeout: 30_000 }, async () => {
  const n = raw.conns.length;
  const r = await rawUpgrade(px.port, { path: '/echo/client-ends', upgrade: 'echo', allowHalfOpen: true });
  sockets.push(r.socket);
  assert.equal(r.status, 101, r.head);
  assert.equal(r.headers.get('upgrade'), 'echo');
  const conn = raw.conns[n]!;
  assert.match(heads.get(conn)!, /\r\nUpgrade: echo\r\n/i, 'the Upgrade the backend got');
  assert.match(heads.get(conn)!, /\r\nConnection: Upgrade\r\n/i);
  const c = collect(r.socket, r.rest);
  r.socket.write('hello');
  for (let i = 0; i < 200 && c.text() !== 'hello'; i++) await sleep(10);
  assert.equal(c.text(), 'hello', 'echo through the tunnel');
  r.socket.end();
  assert.equal(await within(conn.ended, 2000, "the backend's 'end'"), true, 'the backend saw end (not a close)');
  assert.equal(await within(c.ended, 3000, "the client's 'end'"), true, 'the client saw end (not a reset)');
  assert.equal(c.text(), 'hellobye after your end', 'what the backend sent after the client ended its side');
  await within(c.closed, 3000, 'the client connection closes');
  await raw.waitOpen(0, 3000);
  assert.equal(afterHead(conn), 'hello');
});

test('the backend ends its side: the client sees end, still sends, the backend receives it, then all closes', { timeout: 30_000 }, async () => {
  const n = raw.conns.length;
  const r = await rawUpgrade(px.port, { path: '/echo/backend-ends', upgrade: 'echo', allowHalfOpen: true });
  sockets.push(r.socket);
  assert.equal(r.status, 101, r.head);
  const conn = raw.conns[n]!;
  const c = collect(r.socket, r.rest);
  assert.equal(await within(c.ended, 3000, "the client's 'end'"), true, 'the client saw end (not a reset)');
  assert.equal(c.text(), 'backend speaks first');
  await sleep(200);
  assert.ok(!r.socket.destroyed && r.socket.writable, 'the client can still write after the backend ended its side');
  r.socket.write('client still talking');
  for (let i = 0; i < 200 && afterHead(conn) !== 'client still talking'; i++) await sleep(10);
  assert.equal(afterHead(conn), 'client still talking', 'the backend received what the client sent after its end');
  r.socket.end();
  assert.equal(await within(conn.ended, 2000, "the backend's 'end'"), true);
  await within(c.closed, 3000, 'the client connection closes');
  await raw.waitOpen(0, 3000);
});

test('bytes pipelined with the request and bytes sent with the 101 go first, in order', { timeout: 30_000 }, async () => {
  const n = raw.conns.length;
  const r = await rawUpgrade(px.port, { path: '/echo/early', upgrade: 'echo', after: Buffer.from('pipelined-with-the-request|') });
  sockets.push(r.socket);
  assert.equal(r.status, 101, r.head);
  const c = collect(r.socket, r.rest);
  r.socket.write('after-101');
  const conn = raw.conns[n]!;
  for (let i = 0; i < 200 && !(afterHead(conn).endsWith('after-101') && c.text().endsWith('later')); i++) await sleep(10);
  assert.equal(afterHead(conn), 'pipelined-with-the-request|after-101');
  assert.equal(c.text(), 'sent-with-the-101|later');
  r.socket.end(); // the backend ends when it sees our end
  await raw.waitOpen(0, 3000);
});
