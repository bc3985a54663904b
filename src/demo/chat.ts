// The demo app's WebSocket endpoint: a chat room. Every message is sent to every connected client (its sender
// included, so a lone client sees an echo); each client gets a welcome line first.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export interface Chat {
  /** An 'upgrade' listener: takes requests under `path`, refuses others with 404. */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Disconnects every client. */
  close(): void;
}

export function createChat(path: string): Chat {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let guests = 0;
  const broadcast = (text: string): void => {
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  };
  wss.on('connection', (ws) => {
    const name = `guest-${++guests}`;
    ws.send(`welcome, ${name} (${wss.clients.size} connected)`);
    ws.on('message', (data) => broadcast(`${name}: ${String(data)}`));
  });
  return {
    upgrade(req, socket, head) {
      if (!(req.url ?? '').startsWith(path)) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
    },
  };
}
