// The benchmark's Node.js backend (`node dist/bench/http/backend.js PORT`), run as its own process on 127.0.0.1:
//   GET  /small   13 bytes ("hello, world\n")
//   GET  /1m      1 MiB (one preallocated buffer)
//   POST /upload  reads the whole body, then answers with its length ("1048576\n")
// Anything else is 404. Idle keep-alive connections are kept for 10 minutes and never capped in requests, so that
// a proxy's pool is not closed under it between scenarios (which would measure reconnects, not proxying).
import http from 'node:http';

const SMALL = Buffer.from('hello, world\n');
const BIG = Buffer.alloc(1 << 20, 'x');
const SMALL_HEADERS = { 'Content-Type': 'text/plain', 'Content-Length': String(SMALL.length) };
const BIG_HEADERS = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(BIG.length) };

const port = Number(process.argv[2] ?? '0');
const server = http.createServer({ keepAliveTimeout: 600_000, headersTimeout: 60_000, requestTimeout: 0 }, (req, res) => {
  if (req.method === 'POST' || req.method === 'PUT') {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      const body = `${n}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) });
      res.end(body);
    });
    return;
  }
  if (req.url === '/small') {
    res.writeHead(200, SMALL_HEADERS);
    res.end(SMALL);
  } else if (req.url === '/1m') {
    res.writeHead(200, BIG_HEADERS);
    res.end(BIG);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '10' });
    res.end('not found\n');
  }
});
server.keepAliveTimeout = 600_000;
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  process.stderr.write(`backend: listening on 127.0.0.1:${a !== null && typeof a === 'object' ? a.port : port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
