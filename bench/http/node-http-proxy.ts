// node-http-proxy (npm http-proxy) as the benchmark runs it: `node dist/bench/http/node-http-proxy.js PORT TARGET`.
// One process, a keep-alive Agent to the backend (without one, http-proxy opens a backend connection per request
// and sends "Connection: close"), X-Forwarded-* headers on (as mod_proxy adds them). Everything else is the default.
import http from 'node:http';
import httpProxy from 'http-proxy';

const port = Number(process.argv[2] ?? '0');
const target = process.argv[3] ?? 'http://127.0.0.1:3000';
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
const proxy = httpProxy.createProxyServer({ target, agent, xfwd: true });
proxy.on('error', (_err, _req, res) => {
  if ('writeHead' in res && !res.headersSent) {
    res.writeHead(502, { 'Content-Type': 'text/plain', Connection: 'close' });
    res.end('bad gateway\n');
  } else res.destroy();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stderr.write(`node-http-proxy: listening on 127.0.0.1:${a !== null && typeof a === 'object' ? a.port : port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  agent.destroy();
});
