// A WebSocket client by hand, for what the ws client cannot do: read with pauses at the TCP level, half-close,
// reset at a chosen moment, send bytes after a refused upgrade, speak a protocol other than WebSocket.
// Plus RFC 6455 frame encoding and a streaming frame reader.
import { createHash, randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';

export const acceptFor = (key: string): string => createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC11B65').digest('base64');

export interface UpgradeRequest {
  readonly path: string;
  /** Default "websocket"; null: no Upgrade/Connection fields. */
  readonly upgrade?: string | null;
  /** Extra header lines, "Name: value". */
  readonly headers?: readonly string[];
  /** Bytes written right after the head, in the same write (a pipelined pre-payload). */
  readonly after?: Buffer;
  readonly allowHalfOpen?: boolean;
}

export function upgradeHead(port: number, r: UpgradeRequest, key: string): string {
  const lines = [`GET ${r.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  if (r.upgrade !== null) lines.push(`Upgrade: ${r.upgrade ?? 'websocket'}`, 'Connection: Upgrade');
  if ((r.upgrade ?? 'websocket').toLowerCase() === 'websocket') lines.push(`Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13');
  lines.push(...(r.headers ?? []));
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface RawResponse {
  readonly socket: Socket;
  readonly status: number;
  /** The response head (status line and fields), without the final CRLFCRLF. */
  readonly head: string;
  /** Field names lower-cased; repeated fields joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** Bytes received after the head (already read from the socket). */
  readonly rest: Buffer;
  readonly key: string;
}

/**
 * Connects, sends an upgrade request and resolves with the response head. The socket is left paused with no 'data'
 * listener: attach one and resume(). Rejects if the connection closes before a whole head arrived.
 */
export function rawUpgrade(port: number, r: UpgradeRequest, timeoutMs = 5000): Promise<RawResponse> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: r.allowHalfOpen ?? false });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => fail(new Error(`no response head within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.on('error', () => undefined);
    socket.on('close', onClose);
    function onClose(): void {
      fail(new Error(`connection closed before a response head; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }
    socket.on('connect', () => {
      const head = Buffer.from(upgradeHead(port, r, key), 'latin1');
      socket.write(r.after ? Buffer.concat([head, r.after]) : head);
    });
    const onData = (d: Buffer): void => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onClose);
      const head = all.subarray(0, end).toString('latin1');
      const [statusLine = '', ...fields] = head.split('\r\n');
      const headers = new Map<string, string>();
      for (const f of fields) {
        const i = f.indexOf(':');
        const name = f.slice(0, i).trim().toLowerCase();
        const value = f.slice(i + 1).trim();
        headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
      }
      resolve({ socket, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), head, headers, rest: all.subarray(end + 4), key });
    };
    socket.on('data', onData);
  });
}

/** Reads the rest of a connection until it closes (or `waitMs`), starting with `already`. */
export function readToClose(socket: Socket, already: Buffer = Buffer.alloc(0), waitMs = 3000): Promise<{ bytes: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks = [already];
    const t = setTimeout(() => done(false), waitMs);
    const done = (closed: boolean): void => {
      clearTimeout(t);
      resolve({ bytes: Buffer.concat(chunks), closed });
    };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', () => done(true));
    if (socket.destroyed) done(true);
    socket.resume();
  });
}

/** One frame; client frames are masked (`mask` given: that key, else a random one; a zero key leaves bytes as they are). */
export function encodeFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: Buffer | boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const masked = opts.mask !== undefined && opts.mask !== false;
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (masked ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(len, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const key = opts.mask === true ? randomBytes(4) : (opts.mask as Buffer);
  key.copy(head, 2 + ext);
  if (key.readUInt32BE(0) === 0) return Buffer.concat([head, payload]);
  const out = Buffer.from(payload);
  for (let i = 0; i < out.length; i++) out[i]! ^= key[i & 3]!;
  return Buffer.concat([head, out]);
}

export interface FrameHeader {
  readonly fin: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  readonly length: number;
}

/**
 * A streaming frame reader for unmasked (server → client) frames: `onHeader` once per frame, then `onPayload` with
 * the payload in slices as they arrive (never copied), `onFrameEnd` after the last slice. Throws on a masked frame.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private left = 0;
  private inPayload = false;
  constructor(
    private readonly onHeader: (h: FrameHeader) => void,
    private readonly onPayload: (slice: Buffer) => void,
    private readonly onFrameEnd: () => void = () => undefined,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    for (;;) {
      if (this.inPayload) {
        const n = Math.min(this.left, buf.length);
        if (n > 0) this.onPayload(buf.subarray(0, n));
        this.left -= n;
        buf = buf.subarray(n);
        if (this.left > 0) return;
        this.inPayload = false;
        this.onFrameEnd();
      }
      if (buf.length < 2) break;
      const b1 = buf[1]!;
      const code = b1 & 0x7f;
      const need = 2 + (code === 126 ? 2 : code === 127 ? 8 : 0);
      if (buf.length < need) break;
      if (b1 & 0x80) throw new Error('a masked frame from the server');
      const length = code === 126 ? buf.readUInt16BE(2) : code === 127 ? Number(buf.readBigUInt64BE(2)) : code;
      this.onHeader({ fin: (buf[0]! & 0x80) !== 0, opcode: buf[0]! & 0x0f, masked: false, length });
      buf = buf.subarray(need);
      this.left = length;
      this.inPayload = true;
    }
    if (buf.length) this.pending = Buffer.from(buf);
  }
}
