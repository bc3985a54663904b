// The four loads of `npm run bench:ws`, run inside the harness process on plain net sockets with hand-made frames
// (bench/ws/frames.ts; why not `ws`: see there). Each returns live counters the harness reads at the start and end
// of its measured window, so that warm-up and measurement are one continuous load.
import type net from 'node:net';
import { CLIENT_CLOSE, clientFrame, OP_BINARY } from './frames.js';
import { openTunnel, type Tunnel } from './client.js';

export interface BulkLoad {
  /** bytes received through all tunnels so far (WebSocket frame headers included: 10 bytes per 1 MiB message) */
  readonly bytes: number;
  /** tunnels that closed while the load was running */
  readonly closedEarly: number;
  stop(): void;
}

/** `tunnels` WebSockets to /ws/bulk, where the backend streams 1 MiB binary messages; the client only counts bytes. */
export async function bulkLoad(port: number, tunnels: number): Promise<BulkLoad> {
  const ts = await Promise.all(Array.from({ length: tunnels }, () => openTunnel(port, '/ws/bulk')));
  let bytes = 0;
  let closedEarly = 0;
  let stopped = false;
  for (const t of ts) {
    bytes += t.rest.length;
    t.socket.on('data', (c: Buffer) => (bytes += c.length));
    t.socket.on('close', () => stopped || closedEarly++);
  }
  return {
    get bytes() {
      return bytes;
    },
    get closedEarly() {
      return closedEarly;
    },
    stop() {
      stopped = true;
      for (const t of ts) t.socket.destroy();
    },
  };
}

export const ECHO_PAYLOAD_BYTES = 32;
const ECHO_FRAME = clientFrame(OP_BINARY, Buffer.alloc(ECHO_PAYLOAD_BYTES, 0x61));
const ECHO_REPLY_BYTES = 2 + ECHO_PAYLOAD_BYTES; // the backend's unmasked frame: 2-byte header + payload

export interface EchoSession {
  /** n ping-pongs of one 32-byte binary message, one at a time; resolves with each round trip in µs */
  roundTrips(n: number, timeoutMs?: number): Promise<Float64Array>;
  close(): void;
}

/** One WebSocket to /ws/echo. */
export async function echoSession(port: number): Promise<EchoSession> {
  const { socket } = await openTunnel(port, '/ws/echo');
  return {
    roundTrips(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const lat = new Float64Array(n);
        let i = 0;
        let got = 0;
        let t0 = 0n;
        const done = (err?: Error) => {
          socket.off('data', onData);
          socket.off('close', onClose);
          socket.off('timeout', onTimeout);
          socket.setTimeout(0);
          if (err) reject(err);
          else resolve(lat);
        };
        const send = () => {
          got = 0;
          t0 = process.hrtime.bigint();
          socket.write(ECHO_FRAME);
        };
        const onData = (c: Buffer) => {
          got += c.length;
          if (got < ECHO_REPLY_BYTES) return;
          if (got > ECHO_REPLY_BYTES) return done(new Error(`echo: ${got} bytes where one ${ECHO_REPLY_BYTES}-byte frame was due`));
          lat[i++] = Number(process.hrtime.bigint() - t0) / 1000;
          if (i === n) done();
          else send();
        };
        const onClose = () => done(new Error(`echo: the tunnel closed after ${i} round trips`));
        const onTimeout = () => done(new Error(`echo: no answer within ${timeoutMs} ms (round trip ${i + 1})`));
        socket.on('data', onData);
        socket.on('close', onClose);
        socket.on('timeout', onTimeout);
        socket.setTimeout(timeoutMs);
        if (n > 0) send();
        else done();
      });
    },
    close() {
      socket.destroy();
    },
  };
}

export interface HandshakeLoad {
  /** handshakes completed: 101 received, close frame sent, the server's close and FIN received */
  readonly done: number;
  readonly failed: number;
  readonly lastError: string | undefined;
  stop(): void;
}

/**
 * `concurrency` clients, each in a loop: connect, upgrade to /ws/hs, send a close frame, wait for the server to
 * close (it closes first, as RFC 6455 has it, so TIME_WAIT is not on the client's ports), and again.
 */
export function handshakeLoad(port: number, concurrency: number): HandshakeLoad {
  let done = 0;
  let failed = 0;
  let lastError: string | undefined;
  let stopped = false;
  const live = new Set<net.Socket>();
  const cycle = (): void => {
    if (stopped) return;
    openTunnel(port, '/ws/hs').then(
      ({ socket }: Tunnel) => {
        if (stopped) return void socket.destroy();
        live.add(socket);
        socket.setTimeout(10_000, () => socket.destroy(new Error('no close from the server within 10 s')));
        socket.once('error', (e) => {
          failed++;
          lastError = e.message;
        });
        socket.on('close', (hadError) => {
          live.delete(socket);
          if (!hadError && !stopped) done++;
          cycle();
        });
        socket.write(CLIENT_CLOSE);
      },
      (e: Error) => {
        if (!stopped) {
          failed++;
          lastError = e.message;
        }
        setImmediate(cycle);
      },
    );
  };
  for (let i = 0; i < concurrency; i++) cycle();
  return {
    get done() {
      return done;
    },
    get failed() {
      return failed;
    },
    get lastError() {
      return lastError;
    },
    stop() {
      stopped = true;
      for (const s of live) s.destroy();
    },
  };
}

export interface IdleTunnels {
  readonly opened: number;
  readonly failed: number;
  readonly lastError: string | undefined;
  /** open tunnels that have closed since */
  readonly closedEarly: number;
  closeAll(): void;
}

/**
 * n idle WebSockets to /ws/idle, opened `concurrency` at a time. Gives up after 20 failures or when deadlineMs
 * passes (a proxy with a thread per tunnel and fewer threads than n would otherwise keep the rest waiting).
 */
export async function openIdle(port: number, n: number, concurrency: number, deadlineMs: number): Promise<IdleTunnels> {
  const sockets: net.Socket[] = [];
  let failed = 0;
  let closedEarly = 0;
  let closing = false;
  let lastError: string | undefined;
  let next = 0;
  const until = Date.now() + deadlineMs;
  const worker = async () => {
    while (next < n && failed < 20 && Date.now() < until) {
      next++;
      try {
        const { socket } = await openTunnel(port, '/ws/idle', Math.max(1000, until - Date.now()));
        socket.on('close', () => closing || closedEarly++);
        sockets.push(socket);
      } catch (e) {
        failed++;
        lastError = (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return {
    opened: sockets.length,
    failed,
    lastError,
    get closedEarly() {
      return closedEarly;
    },
    closeAll() {
      closing = true;
      for (const s of sockets) s.destroy();
    },
  };
}
