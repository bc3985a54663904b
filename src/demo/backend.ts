// The demo app behind tsproxyd in `npm start`: the page (GET /), the headers it received as JSON (GET /headers),
// and the chat WebSocket under /ws/, on one loopback address.
import http from 'node:http';
import { createChat } from './chat.js';
import { demoPage } from './page.js';

export interface DemoBackend {
  /** Disconnects everyone and stops listening (once; later calls wait for the same). */
  close(): Promise<void>;
}

/** Listens on host:port; rejects with the listen error (EADDRINUSE when the port is taken). */
export async function startDemoBackend(host: string, port: number): Promise<DemoBackend> {
  const chat = createChat('/ws/');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(demoPage(req.headers));
    } else if (path === '/headers') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(req.headers, null, 2) + '\n');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no ${path} here: try / or /headers\n`);
    }
  });
  server.on('upgrade', chat.upgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        chat.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
