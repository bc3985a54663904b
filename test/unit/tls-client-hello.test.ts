// classifyFirstBytes (src/tls/client-hello.ts): a real ClientHello from Node's TLS client (with and without SNI),
// OpenSSL's plain-HTTP test, and what is not read here (more bytes needed, a ClientHello split over records).
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { classifyFirstBytes } from '../../src/tls/client-hello.js';

/** The first bytes Node's TLS client sends (its ClientHello record). */
async function clientHello(servername?: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const got = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (d: Buffer) => (resolve(d), s.destroy()))));
    const c = tls.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    c.on('error', () => undefined);
    return await got;
  } finally {
    server.close();
  }
}

test('a ClientHello with SNI: its host_name', async () => {
  const hello = await clientHello('www.b.test');
  assert.deepEqual(classifyFirstBytes(hello), { kind: 'tls', read: true, servername: 'www.b.test' });
});

test('a ClientHello without SNI: read, no name', async () => {
  assert.deepEqual(classifyFirstBytes(await clientHello()), { kind: 'tls', read: true, servername: undefined });
});

test('a partial record needs more bytes; a ClientHello longer than its record is not read here', async () => {
  const hello = await clientHello('a.test');
  assert.deepEqual(classifyFirstBytes(hello.subarray(0, 3)), { kind: 'more' });
  assert.deepEqual(classifyFirstBytes(hello.subarray(0, hello.length - 1)), { kind: 'more' });
  const split = Buffer.from(hello.subarray(0, 60));
  split.writeUInt16BE(55, 3); // the record ends inside the ClientHello
  assert.deepEqual(classifyFirstBytes(split), { kind: 'tls', read: false, servername: undefined });
});

test("plain HTTP as OpenSSL sees it: GET, POST, HEAD, PUT after 5 bytes; anything else is left to OpenSSL", () => {
  assert.deepEqual(classifyFirstBytes(Buffer.from('GET ')), { kind: 'more' });
  for (const m of ['GET /', 'POST /x', 'HEAD / HTTP/1.1', 'PUT /x HTTP/1.1\r\n']) assert.deepEqual(classifyFirstBytes(Buffer.from(m)), { kind: 'http' }, m);
  for (const m of ['DELETE /', 'CONNECT a:443', 'get /x', 'OPTIONS *']) assert.deepEqual(classifyFirstBytes(Buffer.from(m)), { kind: 'other' }, m);
});
