// The WebSocket benchmark's backend (`node dist/bench/ws/backend.js PORT`): a lean WebSocket server on plain net
// sockets, hand-made frames (bench/ws/frames.ts), so that one Node.js process can hold thousands of idle tunnels
// and answer handshakes at a rate well above any proxy's in front of it ("direct" in the report shows how far above).
//   GET /ws/bulk  after the 101, streams 1 MiB binary messages as fast as the connection takes them (backpressure:
//                 the next message is written on 'drain'); whatever the client sends is ignored
//   GET /ws/...   anything else: echoes every data message, answers ping with pong and close with close (then ends
//                 the connection, as a server should close first); idle tunnels and handshake-and-close use it too
// A request without `Upgrade: websocket` and a Sec-WebSocket-Key gets 400.
import net from 'node:net';
import { FrameReader, headEnd, OP_CLOSE, OP_BINARY, OP_PING, OP_PONG, serverFrame, switchingProtocols } from './frames.js';
import { isMain, serve } from './listen.js';

export const BULK_MESSAGE_BYTES = 1 << 20;
const BULK_FRAME = serverFrame(OP_BINARY, Buffer.alloc(BULK_MESSAGE_BYTES, 0x5a));
const MAX_HEAD = 16 * 1024;

function stream(sock: net.Socket): void {
  sock.on('data', () => undefined);
  const pump = () => {
    while (!sock.destroyed && sock.writable && sock.write(BULK_FRAME));
  };
  sock.on('drain', pump);
  pump();
}

function echo(sock: net.Socket, rest: Buffer): void {
  const reader = new FrameReader((op, payload) => {
    if (op === OP_CLOSE) sock.end(serverFrame(OP_CLOSE, payload.subarray(0, 2)));
    else if (op === OP_PING) sock.write(serverFrame(OP_PONG, payload));
    else if (op !== OP_PONG) sock.write(serverFrame(op, payload));
  });
  sock.on('data', (c: Buffer) => reader.push(c));
  if (rest.length) reader.push(rest);
}

function onConnection(sock: net.Socket): void {
  sock.on('error', () => sock.destroy());
  let head: Buffer = Buffer.alloc(0);
  const onHead = (chunk: Buffer) => {
    head = head.length ? Buffer.concat([head, chunk]) : chunk;
    const end = headEnd(head);
    if (end < 0) {
      if (head.length > MAX_HEAD) sock.destroy();
      return;
    }
    sock.off('data', onHead);
    const text = head.toString('latin1', 0, end);
    const path = text.split(' ', 2)[1] ?? '';
    const key = /\r\nsec-websocket-key:[ \t]*([^\r\n \t]+)/i.exec(text)?.[1];
    if (!key || !/\r\nupgrade:[ \t]*websocket/i.test(text)) {
      sock.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    sock.write(switchingProtocols(key));
    if (path === '/ws/bulk') stream(sock);
    else echo(sock, head.subarray(end));
  };
  sock.on('data', onHead);
}

export function createBackend(): net.Server {
  return net.createServer({ noDelay: true }, onConnection);
}

if (isMain(import.meta.url)) serve(createBackend(), Number(process.argv[2] ?? '0'), 'ws backend');
