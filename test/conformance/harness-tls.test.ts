// Tests of the conformance harness's TLS parts (no apache2 needed): the certificates a case gets, the raw client
// over TLS (which certificate and chain SNI selected, the alert a refusing server sends) and the comparison of two
// handshakes.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { clientCertificate, installCaseCerts } from './harness/case-certs.js';
import { sendRaw, tlsAlertOf } from './harness/raw-client.js';
import { tlsOf } from './harness/request-cases.js';
import { checkExpectation, compareObservations, observe } from './harness/request-compare.js';

const GET = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

test('tls alerts: the name OpenSSL gives in the error message', () => {
  assert.equal(tlsAlertOf('C0B7:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1605:SSL alert number 116'), 'certificate required');
  assert.equal(tlsAlertOf('error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:ssl/record/rec_layer_s3.c:1605:SSL alert number 48'), 'unknown ca');
  assert.equal(tlsAlertOf('error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure'), 'handshake failure');
  assert.equal(tlsAlertOf('read ECONNRESET'), undefined);
});

test('tls spec: the request overrides the case, false means plain TCP, true means TLS without SNI', () => {
  const c = { description: 'd', requests: [], tls: { servername: 'a.test' } };
  assert.deepEqual(tlsOf(c, { name: 'r', send: '', expect: { status: 200 } }), { servername: 'a.test' });
  assert.equal(tlsOf(c, { name: 'r', send: '', tls: false, expect: { status: 200 } }), undefined);
  assert.deepEqual(tlsOf({ description: 'd', requests: [] }, { name: 'r', send: '', tls: true, expect: { status: 200 } }), {});
});

test('case certificates: leaves, full chains, CA and client certificates under certs/', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsp-certs-'));
  try {
    installCaseCerts(root, { names: ['a.test'], client: true });
    const ca = new X509Certificate(readFileSync(join(root, 'certs/ca.crt')));
    const leaf = new X509Certificate(readFileSync(join(root, 'certs/a.test.crt')));
    assert.equal(leaf.subject, 'CN=a.test');
    assert.equal(leaf.subjectAltName, 'DNS:a.test');
    assert.ok(leaf.verify(ca.publicKey), 'the leaf is signed by the CA');
    assert.equal((readFileSync(join(root, 'certs/a.test.fullchain.crt'), 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
    const client = new X509Certificate(clientCertificate('client').cert);
    assert.equal(client.subject, 'C=DE\nL=Köln\nO=Example\\, Inc.\nOU=QA Team\nOU=Ops\nCN=client.test\nemailAddress=client@example.test');
    assert.ok(client.verify(ca.publicKey));
    const rogue = new X509Certificate(readFileSync(join(root, 'certs/rogue.crt')));
    assert.ok(!rogue.verify(ca.publicKey), 'rogue is not the CA');
    assert.throws(() => installCaseCerts(root, { names: ['../x'] }), /not a host name/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('raw client over TLS: SNI picks the certificate, the chain is what the server sent, a refusal is an alert', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsp-certs-'));
  installCaseCerts(root, { names: ['a.test', 'b.test'], client: true });
  const read = (f: string) => readFileSync(join(root, 'certs', f));
  const b = tls.createSecureContext({ cert: read('b.test.fullchain.crt'), key: read('b.test.key') });
  const server = https.createServer(
    { cert: read('a.test.crt'), key: read('a.test.key'), SNICallback: (name, cb) => cb(null, name === 'b.test' ? b : undefined) },
    (_req, res) => res.end('ok'),
  );
  const strict = https.createServer({ cert: read('a.test.crt'), key: read('a.test.key'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) =>
    res.end(`hello ${(req.socket as tls.TLSSocket).getPeerCertificate().subject.CN}`),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => strict.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const strictPort = (strict.address() as AddressInfo).port;
  try {
    const a = await sendRaw({ port, bytes: GET, method: 'GET', tls: {} });
    assert.equal(a.status, 200);
    assert.deepEqual(a.tls && { ...a.tls, cipher: undefined }, { handshake: true, peerCN: 'a.test', chain: ['a.test'], protocol: 'TLSv1.3', cipher: undefined });
    const bb = await sendRaw({ port, bytes: GET, method: 'GET', tls: { servername: 'b.test' } });
    assert.deepEqual(bb.tls?.chain, ['b.test', 'tsproxyd test CA']);
    const differ = compareObservations(observe(a, []), observe(bb, []), {}, 'GET', 200);
    assert.ok(differ.some((m) => m.startsWith('tls peerCN')) && differ.some((m) => m.startsWith('tls chain')), differ.join('\n'));
    assert.deepEqual(checkExpectation(observe(bb, []), { status: 200, tls: { peerCN: 'b.test', chain: ['b.test', 'tsproxyd test CA'], alert: null } }), []);

    const refused = await sendRaw({ port: strictPort, bytes: GET, method: 'GET', tls: {} });
    assert.equal(refused.status, undefined);
    assert.equal(refused.tls?.alert, 'certificate required');
    assert.deepEqual(checkExpectation(observe(refused, []), { status: 0, tls: { alert: null } }), ['tls alert: want null, got "certificate required"']);
    const welcome = await sendRaw({ port: strictPort, bytes: GET, method: 'GET', tls: clientCertificate('client') });
    assert.equal(welcome.body.toString(), 'hello client.test');
  } finally {
    server.close();
    strict.close();
    rmSync(root, { recursive: true, force: true });
  }
});
