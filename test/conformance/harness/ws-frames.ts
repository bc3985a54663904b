// Hand-built WebSocket frames for request cases (RFC 6455 section 5.2), so a case can say in its JSON what goes
// through a tunnel without binary escapes: "{{ws:hello}}" is a masked client text frame (the client side must mask),
// "{{ws-server:hello}}" the unmasked server frame a WebSocket echo sends back. The mask key is fixed, so the bytes
// are the same on every run and a byte echo returns exactly what was sent.
import { createHash } from 'node:crypto';

/** RFC 6455 section 1.3's example mask key. */
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** A single-frame (FIN) text message; masked as a client sends it, or unmasked as a server does. */
export function textFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const len = n < 126 ? Buffer.from([n]) : n < 65536 ? Buffer.from([126, n >> 8, n & 0xff]) : undefined;
  if (len === undefined) throw new Error('ws-frames: payloads over 64 KiB are not supported');
  len[0] = (len[0] as number) | (masked ? 0x80 : 0);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ (MASK[i % 4] as number))) : payload;
  return Buffer.concat([Buffer.from([0x81]), len, masked ? MASK : Buffer.alloc(0), body]);
}

/** "{{ws:TEXT}}" and "{{ws-server:TEXT}}" replaced by the frame's bytes (as latin1 characters). */
export function expandFrames(text: string): string {
  return text.replace(/\{\{ws(-server)?:(.*?)\}\}/gs, (_m, server: string | undefined, payload: string) =>
    textFrame(payload, server === undefined).toString('latin1'),
  );
}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
}
