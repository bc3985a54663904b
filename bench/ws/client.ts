// The load generator's WebSocket client: a net socket that sends the upgrade request, checks the 101 (status,
// Upgrade, Sec-WebSocket-Accept) and hands over the socket with any bytes that came after the 101's head.
import net from 'node:net';
import { ACCEPT, headEnd, upgradeRequest } from './frames.js';

export interface Tunnel {
  readonly socket: net.Socket;
  /** bytes the server sent after the 101 in the same reads */
  readonly rest: Buffer;
}

/** What a failed handshake looked like, for the report: the status line, or the socket error. */
export class HandshakeError extends Error {}

function checkHead(head: string): string | undefined {
  const status = head.slice(0, head.indexOf('\r\n'));
  if (!/^HTTP\/1\.1 101 /.test(status)) return `answered '${status}' to the upgrade`;
  if (!/\r\nupgrade:[ \t]*websocket[ \t]*\r\n/i.test(head)) return `101 without Upgrade: websocket`;
  if (!head.includes(ACCEPT)) return `101 with a wrong Sec-WebSocket-Accept`;
  return undefined;
}

/** Opens a WebSocket to 127.0.0.1:port path; rejects with HandshakeError on anything but a valid 101. */
export function openTunnel(port: number, path: string, timeoutMs = 10_000): Promise<Tunnel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let head: Buffer = Buffer.alloc(0);
    const fail = (why: string) => {
      socket.destroy();
      reject(new HandshakeError(why));
    };
    const timer = setTimeout(() => fail(`no 101 within ${timeoutMs} ms`), timeoutMs);
    const onError = (e: Error) => {
      clearTimeout(timer);
      fail((e as NodeJS.ErrnoException).code ?? e.message);
    };
    const onClose = () => {
      clearTimeout(timer);
      fail(head.length ? `closed after '${head.toString('latin1').split('\r\n')[0]}'` : 'closed before answering');
    };
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = headEnd(head);
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      const bad = checkHead(head.toString('latin1', 0, end));
      if (bad) return fail(bad);
      socket.on('error', () => socket.destroy()); // the caller adds its own; none may crash the load generator
      resolve({ socket, rest: head.subarray(end) });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(upgradeRequest(path, port));
  });
}
