// Hand-made WebSocket (RFC 6455) pieces for the benchmark's own backend and load generator: the handshake request
// and answer, frame encoding, and an incremental frame reader. The `ws` package checks these against a real
// implementation before every measurement (bench/ws/probe.ts); the load itself does not use `ws`, whose per-message
// work (event objects, per-connection state, masking through its own buffers) would make the client the bottleneck
// of a benchmark whose subject is the proxy between client and backend.
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const acceptFor = (key: string) => createHash('sha1').update(key + GUID).digest('base64');

/**
 * The key every load-generator handshake sends (RFC 6455's own sample). A real client picks a fresh one per
 * connection; a proxy only passes it on, and one fixed key lets the client check the answer without hashing.
 */
export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const ACCEPT = acceptFor(KEY);

export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

export function upgradeRequest(path: string, port: number, key = KEY): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

export function switchingProtocols(key: string): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;
}

function header(opcode: number, length: number, masked: boolean): Buffer {
  const m = masked ? 0x80 : 0;
  let h: Buffer;
  if (length < 126) {
    h = Buffer.allocUnsafe(2);
    h[1] = m | length;
  } else if (length < 65536) {
    h = Buffer.allocUnsafe(4);
    h[1] = m | 126;
    h.writeUInt16BE(length, 2);
  } else {
    h = Buffer.allocUnsafe(10);
    h[1] = m | 127;
    h.writeBigUInt64BE(BigInt(length), 2);
  }
  h[0] = 0x80 | opcode; // FIN: one frame per message
  return h;
}

/** A server-to-client frame (unmasked). */
export function serverFrame(opcode: number, payload: Buffer): Buffer {
  return Buffer.concat([header(opcode, payload.length, false), payload]);
}

/** A client-to-server frame, masked with mask (4 bytes) as RFC 6455 requires of clients. */
export function clientFrame(opcode: number, payload: Buffer, mask: Buffer = Buffer.from([0x12, 0x34, 0x56, 0x78])): Buffer {
  const h = header(opcode, payload.length, true);
  const body = Buffer.allocUnsafe(4 + payload.length);
  mask.copy(body, 0, 0, 4);
  for (let i = 0; i < payload.length; i++) body[4 + i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([h, body]);
}

/** The close frame a client sends: status 1000 (normal closure). */
export const CLIENT_CLOSE = clientFrame(OP_CLOSE, Buffer.from([0x03, 0xe8]));

/** Reads frames from a byte stream, in any chunking; payloads are unmasked. Continuation frames are passed as they are. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) break;
      const masked = (buf[1]! & 0x80) !== 0;
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      const maskAt = at;
      if (masked) at += 4;
      if (buf.length < at + len) break;
      const payload = Buffer.from(buf.subarray(at, at + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = payload[i]! ^ buf[maskAt + (i & 3)]!;
      this.onFrame(buf[0]! & 0x0f, payload);
      buf = buf.subarray(at + len);
    }
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

/** Where the head of an HTTP message ends (the index just past CRLF CRLF), or -1. */
export function headEnd(buf: Buffer): number {
  const i = buf.indexOf('\r\n\r\n', 0, 'latin1');
  return i < 0 ? -1 : i + 4;
}
