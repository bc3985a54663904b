// Backpressure through the tunnel, with tsproxyd (the CLI) in its own process so that its RSS is measurable:
// - down: a ws backend pushes TUNNEL_BULK_BYTES (default 1 GiB) into a raw TCP client that reads slowly (it pauses
//   its socket 50 ms every 16 MiB, and 1 s at a quarter, half and three quarters);
// - up: a ws client pushes the same into a ws backend that reads slowly (ws.pause() the same way).
// Asserted: every byte arrives, in order (sha-256 of the payloads, and each 64 KiB message's index in order), and
// the proxy's peak RSS stays within TUNNEL_RSS_BOUND_MIB (default 64) of its RSS before the transfer. A proxy that
// buffered instead of pausing the fast side would grow by hundreds of MiB in the long pauses alone.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { WebSocket } from 'ws';
import { startWsBackend, type WsBackend } from '../helpers/ws-backend.js';
import { closeOf, openWs, terminateAll } from '../helpers/ws-client.js';
import { startTsproxyd, type TsproxydChild } from '../helpers/ws-proxy.js';
import { FrameReader, rawUpgrade } from '../helpers/ws-raw.js';

const MiB = 1024 * 1024;
const MSG = 64 * 1024;
const TOTAL = Math.floor(Number(process.env.TUNNEL_BULK_BYTES ?? 1024 * MiB) / MSG) * MSG;
const RSS_BOUND = Number(process.env.TUNNEL_RSS_BOUND_MIB ?? 64) * MiB;
const SHORT_PAUSE_EVERY = 16 * MiB;
const SHORT_PAUSE_MS = 50;
const LONG_PAUSE_MS = 1000;
const SEND_WINDOW = 4 * MiB; // the sender keeps at most this much queued in its own process

// The payload stream: message i is 64 KiB of a random 1 MiB block (at an offset that moves with i) with i in its
// first 8 bytes, so a lost, repeated or swapped message changes both the index sequence and the digest.
const block = randomBytes(MiB + MSG);
function payload(i: number): Buffer {
  const b = Buffer.allocUnsafe(MSG);
  const off = (i * 4099) % MiB;
  block.copy(b, 0, off, off + MSG);
  b.writeBigUInt64BE(BigInt(i), 0);
  return b;
}

/** Sends TOTAL bytes as 64 KiB binary messages, keeping at most SEND_WINDOW queued; resolves with the digest. */
function pushAll(ws: WebSocket): Promise<string> {
  const hash = createHash('sha256');
  const count = TOTAL / MSG;
  let i = 0;
  let written = 0;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (i < count && ws.bufferedAmount < SEND_WINDOW) {
        const p = payload(i++);
        hash.update(p);
        ws.send(p, { binary: true }, (err) => {
          if (err) return reject(err);
          if (++written === count) resolve(hash.digest('hex'));
          else pump();
        });
        if (ws.readyState !== ws.OPEN) return reject(new Error('the sending side closed'));
      }
    };
    pump();
  });
}

/** Samples the proxy's RSS every 20 ms; stop() gives the peak (with VmHWM when the kernel let us reset it). */
function rssSampler(px: TsproxydChild): { baseline: number; stop: () => number } {
  const hwm = px.resetPeak();
  const baseline = px.rss();
  let peak = baseline;
  const t = setInterval(() => {
    try {
      peak = Math.max(peak, px.rss());
    } catch {
      /* the process is gone: the test's alive() check reports it */
    }
  }, 20);
  return {
    baseline,
    stop() {
      clearInterval(t);
      if (hwm) peak = Math.max(peak, px.peakRss());
      return peak;
    },
  };
}

/** Pause schedule of the slow reader: how long to pause after `received` bytes, or 0. */
function pauseAfter(before: number, after: number): number {
  let ms = 0;
  if (Math.floor(after / SHORT_PAUSE_EVERY) > Math.floor(before / SHORT_PAUSE_EVERY)) ms = SHORT_PAUSE_MS;
  for (const q of [0.25, 0.5, 0.75]) if (before < TOTAL * q && after >= TOTAL * q) ms = LONG_PAUSE_MS;
  return ms;
}
const plannedPauseMs = (): number => {
  let ms = 0;
  for (let at = MSG; at <= TOTAL; at += MSG) ms += pauseAfter(at - MSG, at);
  return ms;
};

let be: WsBackend;
const proxies: TsproxydChild[] = [];

before(async () => {
  be = await startWsBackend({ perMessageDeflate: false, maxPayload: 2 * MSG });
});

after(async () => {
  terminateAll();
  await be?.close();
  for (const px of proxies) assert.equal(await px.stop(), 0, `tsproxyd did not exit 0 on SIGTERM; stderr:\n${px.stderr()}`);
});

/** A fresh tsproxyd per direction (so that one's garbage does not hide the other's growth), warmed up. */
async function freshProxy(): Promise<TsproxydChild> {
  const px = await startTsproxyd(() => `ServerName proxy.example\nProxyPass /bulk/ ws://127.0.0.1:${be.port}/bulk/\n`);
  proxies.push(px);
  // Warm up: one small tunnel, so that the baseline includes the tunnel code paths.
  be.onConnection = (ws) => ws.on('message', (d) => ws.send(d as Buffer));
  const { ws } = await openWs(`ws://127.0.0.1:${px.port}/bulk/warm`, [], { perMessageDeflate: false });
  ws.send(Buffer.alloc(100_000));
  await new Promise((r) => ws.once('message', r));
  ws.close();
  await closeOf(ws);
  await be.waitOpen(0);
  return px;
}

test(`down: ${TOTAL / MiB} MiB from the backend into a slow raw client, in order, proxy RSS bounded`, { timeout: 180_000 }, async (t) => {
  const px = await freshProxy();
  let sent: Promise<string> | undefined;
  be.onConnection = (ws) => (sent = pushAll(ws));
  const rss = rssSampler(px); // before the upgrade: the backend starts pushing as soon as it has answered
  const r = await rawUpgrade(px.port, { path: '/bulk/down' });
  try {
    assert.equal(r.status, 101, r.head);
    const t0 = Date.now();
    const hash = createHash('sha256');
    let received = 0;
    let nextIndex = 0n;
    let frameOffset = 0;
    const idxBuf = Buffer.alloc(8);
    const problems: string[] = [];
    const reader = new FrameReader(
      (h) => {
        if (h.opcode !== 2 || !h.fin || h.length !== MSG) problems.push(`frame ${nextIndex}: opcode ${h.opcode} fin ${h.fin} length ${h.length}`);
        frameOffset = 0;
      },
      (p) => {
        if (frameOffset < 8) {
          // The index may straddle two reads.
          p.copy(idxBuf, frameOffset, 0, Math.min(p.length, 8 - frameOffset));
          if (frameOffset + p.length >= 8) {
            const idx = idxBuf.readBigUInt64BE(0);
            if (idx !== nextIndex && problems.length < 5) problems.push(`message ${idx} arrived where ${nextIndex} was expected`);
            nextIndex = idx + 1n;
          }
        }
        frameOffset += p.length;
        hash.update(p);
        const before = received;
        received += p.length;
        const ms = pauseAfter(before, received);
        if (ms > 0) {
          r.socket.pause();
          setTimeout(() => r.socket.resume(), ms);
        }
      },
    );
    const done = new Promise<void>((resolve) => {
      r.socket.on('data', (d: Buffer) => {
        try {
          reader.push(d);
        } catch (e) {
          problems.push((e as Error).message);
          r.socket.destroy();
        }
        if (received >= TOTAL) resolve();
      });
      r.socket.on('close', () => resolve());
    });
    if (r.rest.length) reader.push(r.rest);
    r.socket.resume();
    await done;
    const ms = Date.now() - t0;
    const peak = rss.stop();
    const growth = peak - rss.baseline;
    const rate = TOTAL / MiB / ((ms - plannedPauseMs()) / 1000);
    const figures =
      `down: ${TOTAL / MiB} MiB in ${ms} ms (${plannedPauseMs()} ms of it the reader's pauses; ${rate.toFixed(0)} MiB/s outside them); ` +
        `proxy RSS ${(rss.baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(1)})`;
    t.diagnostic(figures);
    assert.deepEqual(problems, []);
    assert.equal(received, TOTAL, 'bytes received');
    assert.equal(hash.digest('hex'), await sent, 'sha-256 of the payloads');
    assert.ok(growth < RSS_BOUND, `the proxy's RSS grew by ${(growth / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
    assert.ok(px.alive());
  } finally {
    r.socket.destroy();
  }
  await be.waitOpen(0);
});

test(`up: ${TOTAL / MiB} MiB from a ws client into a slow ws backend, in order, proxy RSS bounded`, { timeout: 180_000 }, async (t) => {
  const px = await freshProxy();
  let got: Promise<{ digest: string; bytes: number; problems: string[] }> | undefined;
  be.onConnection = (ws) => {
    got = new Promise((resolve) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let next = 0n;
      const problems: string[] = [];
      ws.on('message', (data, isBinary) => {
        const b = data as Buffer;
        if (!isBinary || b.length !== MSG) problems.push(`message ${next}: binary ${isBinary} length ${b.length}`);
        const idx = b.length >= 8 ? b.readBigUInt64BE(0) : -1n;
        if (idx !== next && problems.length < 5) problems.push(`message ${idx} arrived where ${next} was expected`);
        next = idx + 1n;
        hash.update(b);
        const before = bytes;
        bytes += b.length;
        const ms = pauseAfter(before, bytes);
        if (ms > 0) {
          ws.pause();
          setTimeout(() => ws.resume(), ms);
        }
        if (bytes >= TOTAL) resolve({ digest: hash.digest('hex'), bytes, problems });
      });
      ws.on('close', () => resolve({ digest: '', bytes, problems: [...problems, `closed after ${bytes} bytes`] }));
    });
  };
  // A zero masking key leaves the payload as it is (ws skips the XOR): the client's CPU goes to the proxy instead.
  const { ws } = await openWs(`ws://127.0.0.1:${px.port}/bulk/up`, [], { perMessageDeflate: false, generateMask: (m: Buffer) => void m.fill(0) });
  const rss = rssSampler(px);
  const t0 = Date.now();
  const sent = pushAll(ws);
  for (let i = 0; !got && i < 200; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(got, 'the backend has the connection');
  const res = await got;
  const ms = Date.now() - t0;
  const peak = rss.stop();
  const growth = peak - rss.baseline;
  const rate = TOTAL / MiB / ((ms - plannedPauseMs()) / 1000);
  const figures =
    `up: ${TOTAL / MiB} MiB in ${ms} ms (${plannedPauseMs()} ms of it the reader's pauses; ${rate.toFixed(0)} MiB/s outside them); ` +
      `proxy RSS ${(rss.baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(1)})`;
  t.diagnostic(figures);
  assert.deepEqual(res.problems, []);
  assert.equal(res.bytes, TOTAL, 'bytes received');
  assert.equal(res.digest, await sent, 'sha-256 of the payloads');
  assert.ok(growth < RSS_BOUND, `the proxy's RSS grew by ${(growth / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)`);
  assert.ok(px.alive());
  ws.close();
  await closeOf(ws);
  await be.waitOpen(0);
});
