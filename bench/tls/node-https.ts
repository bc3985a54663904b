// The floor for Node.js TLS in `npm run bench:tls`: a bare node:https server that answers GET /small itself (the
// backend's 13 bytes, no proxying), with the same certificate and Node's defaults. What a TLS handshake and a request
// cost any Node.js process; tsproxyd's figures above it are its proxying. argv: port, certificate file, key file.
import { readFileSync } from 'node:fs';
import https from 'node:https';

const [port, cert, key] = process.argv.slice(2);
if (!port || !cert || !key) throw new Error('usage: node-https.js PORT CERT KEY');
const SMALL = Buffer.from('hello, world\n');
const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key), keepAliveTimeout: 5000 }, (req, res) => {
  if (req.url === '/small') {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(SMALL.length) });
    res.end(SMALL);
  } else {
    res.writeHead(404, { 'Content-Length': '0' });
    res.end();
  }
});
server.listen(Number(port), '127.0.0.1', () => process.stderr.write(`node-https: listening on 127.0.0.1:${port}\n`));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
