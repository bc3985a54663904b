// node-http-proxy (npm http-proxy) as the WebSocket benchmark runs it: `node dist/bench/ws/node-http-proxy.js PORT
// TARGET` with TARGET ws://127.0.0.1:BACKEND: the documented WebSocket setup (ws: true, proxy.ws() on the server's
// 'upgrade' event), X-Forwarded-* on as mod_proxy adds them. A request that is not an upgrade gets 404.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { serve } from './listen.js';

const port = Number(process.argv[2] ?? '0');
const target = process.argv[3] ?? 'ws://127.0.0.1:3000';
const proxy = httpProxy.createProxyServer({ target, ws: true, xfwd: true });
// For a WebSocket, the third argument is the client's socket: an error tears the tunnel down.
proxy.on('error', (_err, _req, res) => res.destroy());
const server = http.createServer((_req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '10' });
  res.end('not found\n');
});
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
serve(server, port, 'node-http-proxy');
