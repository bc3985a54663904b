// Tests of the conformance harness itself (no apache2 needed): output parsers, case metadata, rendering, the raw
// HTTP client's parser and the request comparison rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApacheErrors } from './harness/apache.js';
import { parseCaseMeta } from './harness/cases.js';
import { parseSyntaxErrorChain } from './harness/outcome.js';
import { placeholdersIn, render } from './harness/render.js';
import { parseTsproxydErrors } from './harness/tsproxyd.js';
import { parseResponse } from './harness/raw-client.js';
import { listenPorts } from './harness/server-process.js';
import { expandRepeats } from './harness/request-cases.js';
import { checkExpectation, compareObservations, type Observation } from './harness/request-compare.js';
import { RecordingBackend } from './harness/backend.js';
import { sendRaw } from './harness/raw-client.js';
import { renderExpectation } from './harness/request-cases.js';
import { acceptFor, expandFrames, textFrame } from './harness/ws-frames.js';

test('apache2 walk-phase error: file and line from the AH00526 line, message from the next', () => {
  const [e] = parseApacheErrors(
    "AH00526: Syntax error on line 42 of /srv/conf/proxy.conf:\nInvalid command 'ProxyPasss', perhaps misspelled\n",
  );
  assert.deepEqual(e?.where, { file: '/srv/conf/proxy.conf', line: 42 });
  assert.equal(e?.message, "Invalid command 'ProxyPasss', perhaps misspelled");
});

test('apache2 read-phase error through Includes: the innermost location wins', () => {
  const [e] = parseApacheErrors(
    '[Sat Nov 21 23:49:27.167 2026] [so:warn] [pid 1] AH01574: module x is already loaded, skipping\n' +
      'apache2: Syntax error on line 12 of /r/main.conf: Syntax error on line 3 of /r/conf.d/app.conf: ' +
      '</VirtualHost> without matching <VirtualHost> section\n',
  );
  assert.deepEqual(e?.where, { file: '/r/conf.d/app.conf', line: 3 });
  assert.equal(e?.chain.length, 2);
  assert.equal(e?.message, '</VirtualHost> without matching <VirtualHost> section');
});

test('apache2 unclosed-section message keeps its own FILE:LINE text but the location comes from the chain', () => {
  const [e] = parseApacheErrors('apache2: Syntax error on line 5 of /r/a.conf: /r/a.conf:5: <VirtualHost> was not closed.\n');
  assert.deepEqual(e?.where, { file: '/r/a.conf', line: 5 });
});

test('apache2 message truncated at 8 KB: no location', () => {
  const [e] = parseApacheErrors('apache2: Syntax error on line 8 of /r/main.conf: Syntax error on line 2 of /r/a.conf: Syntax erro\n');
  assert.equal(e?.where, undefined);
  assert.equal(e?.truncated, true);
});

test('apache2 errors without a location', () => {
  const [e] = parseApacheErrors('AH00534: apache2: Configuration error: No MPM loaded.\n');
  assert.equal(e?.where, undefined);
  assert.equal(e?.message, 'AH00534: apache2: Configuration error: No MPM loaded.');
});

test('tsproxyd errors: every "tsproxyd: Syntax error" line, detail lines ignored', () => {
  const errors = parseTsproxydErrors(
    'tsproxyd: Syntax error on line 9 of /r/x.conf: Invalid command \'Foo\'\n  --> /r/x.conf:9:1\n' +
      'tsproxyd: Syntax error on line 1 of /r/main.conf: Syntax error on line 4 of /r/inc.conf: bad\n',
  );
  assert.deepEqual(
    errors.map((e) => e.where),
    [
      { file: '/r/x.conf', line: 9 },
      { file: '/r/inc.conf', line: 4 },
    ],
  );
});

test('a chain stops at the first text that is not "Syntax error on line N of F: "', () => {
  assert.deepEqual(parseSyntaxErrorChain('Syntax error on line 3 of /a b.conf: RewriteRule: bad flag delimiters'), {
    chain: [{ file: '/a b.conf', line: 3 }],
    message: 'RewriteRule: bad flag delimiters',
  });
  assert.equal(parseSyntaxErrorChain('Syntax OK'), undefined);
});

test('case metadata', () => {
  const meta = parseCaseMeta(
    '# What it shows.\n# args: -D A -D B\n# env: X=@SERVERROOT@/y\n# expect: ok\n' +
      '# tsproxyd-diverges: error -- safer\nServerRoot "@SERVERROOT@"\n# expect: error\n',
    'case.conf',
  );
  assert.deepEqual(meta, {
    expect: 'ok',
    args: ['-D', 'A', '-D', 'B'],
    env: { X: '@SERVERROOT@/y' },
    diverges: { verdict: 'error', reason: 'safer' },
    description: 'What it shows.',
  });
  assert.throws(() => parseCaseMeta('# no expect\nListen 80\n', 'c.conf'), /missing "# expect/);
  assert.throws(() => parseCaseMeta('# expect: fine\n', 'c.conf'), /must be ok or error/);
  assert.throws(() => parseCaseMeta('# expect: ok\n# args: -X\n', 'c.conf'), /-D NAME/);
  assert.throws(() => parseCaseMeta('# expect: ok\n# tsproxyd-diverges: ok -- same\n', 'c.conf'), /not a divergence/);
});

test('render replaces placeholders in place and refuses unknown ones', () => {
  assert.deepEqual(placeholdersIn('Listen @PORT@\nProxyPass / http://h:@PORT2@/ # @PORT@ webmaster@localhost'), ['PORT', 'PORT2']);
  assert.equal(render('a @X@ b\n@X@', { X: '1' }, 't'), 'a 1 b\n1');
  assert.throws(() => render('@SERVEROOT@', { SERVERROOT: '/r' }, 't.conf'), /t\.conf: unknown placeholder @SERVEROOT@/);
});

// --- request-case harness ---------------------------------------------------------------------------------------

test('raw client: interim 100, chunked body with trailers, header case kept', () => {
  const raw = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Mixed-Case: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nX-Sum: 42\r\n\r\n',
  );
  const p = parseResponse(raw, 'GET', false);
  assert.ok(typeof p !== 'string' && p.complete);
  assert.deepEqual(p.interim.map((h) => h.status), [100]);
  assert.equal(p.final?.status, 200);
  assert.deepEqual(p.final?.headers[0], ['X-Mixed-Case', 'a']);
  assert.equal(p.body.toString(), 'hello!');
  assert.deepEqual(p.trailers, [['X-Sum', '42']]);
});

test('raw client: HEAD has no body; Content-Length waits for all bytes; no length reads to the close', () => {
  const head = parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'), 'HEAD', false);
  assert.ok(typeof head !== 'string' && head.complete && head.body.length === 0);
  const partial = parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc'), 'GET', false);
  assert.ok(typeof partial !== 'string' && !partial.complete);
  const toClose = parseResponse(Buffer.from('HTTP/1.0 200 OK\r\n\r\nabc'), 'GET', true);
  assert.ok(typeof toClose !== 'string' && toClose.complete && toClose.body.toString() === 'abc');
});

test('listen ports and {{repeat}}', () => {
  assert.deepEqual(listenPorts('Listen 127.0.0.1:8080\n  listen 9090 https\n# Listen 1\nListen [::1]:7070\n'), [8080, 9090, 7070]);
  assert.equal(expandRepeats('GET /{{repeat:ab:3}} x'), 'GET /ababab x');
});

const obs = (o: Partial<Observation>): Observation => ({ status: 200, interim: [], headers: [], body: '', trailers: [], backend: [], durationMs: 1, ...o });
const breq = (headers: [string, string][], target = '/x') => ({ method: 'GET', target, httpVersion: '1.1', headers, body: '', trailers: [], complete: true });

test('expectations: header values, absence, repeated fields, backend count', () => {
  const o = obs({ backend: [breq([['Host', 'b'], ['X-A', '1'], ['X-A', '2']])], headers: [['Location', '/l']] });
  assert.deepEqual(checkExpectation(o, { status: 200, backend: [{ target: '/x', headers: { host: 'b', 'x-a': ['1', '2'], via: null } }], headers: { Location: '/l' } }), []);
  assert.equal(checkExpectation(o, { status: 200, backend: [] }).length, 1);
  assert.match(checkExpectation(o, { status: 200, backend: [{ headers: { 'x-a': '1' } }] })[0] ?? '', /x-a/);
});

test('comparison: names compared with case, order only on request, incidental response headers ignored', () => {
  const a = obs({ backend: [breq([['Host', 'b'], ['X-Forwarded-For', '1']])], headers: [['Date', 'x'], ['X-R', '1']] });
  const sameDifferentOrder = obs({ backend: [breq([['X-Forwarded-For', '1'], ['Host', 'b']])], headers: [['Date', 'y'], ['X-R', '1']] });
  assert.deepEqual(compareObservations(a, sameDifferentOrder, {}, 'GET', 200), []);
  assert.equal(compareObservations(a, sameDifferentOrder, { order: true }, 'GET', 200).length, 1);
  const lower = obs({ backend: [breq([['host', 'b'], ['X-Forwarded-For', '1']])], headers: [['X-R', '1']] });
  assert.match(compareObservations(a, lower, {}, 'GET', 200).join('\n'), /header host/);
});

// --- upgrade harness ----------------------------------------------------------------------------------------------

test('ws frames: RFC 6455 examples, masked and unmasked, and the {{ws:…}} expansions', () => {
  // RFC 6455 section 5.7: a masked "Hello" with mask 37 fa 21 3d, and the unmasked one.
  assert.equal(textFrame('Hello', true).toString('hex'), '818537fa213d7f9f4d5158');
  assert.equal(textFrame('Hello', false).toString('hex'), '810548656c6c6f');
  assert.equal(textFrame('x'.repeat(300), false).subarray(0, 4).toString('hex'), '817e012c');
  assert.equal(expandFrames('a{{ws-server:Hello}}b'), 'a\x81\x05Hellob');
  assert.equal(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  const e = renderExpectation({ status: 101, after: { back: '{{ws-server:{{repeat:ab:2}}}}' }, backend: [{ afterHead: '{{ws:Hello}}' }] }, (x) => x);
  assert.equal(e.after?.back, '\x81\x04abab');
  assert.equal(Buffer.from(e.backend?.[0]?.afterHead ?? '', 'latin1').toString('hex'), '818537fa213d7f9f4d5158');
});

test('raw client: a 101 ends at its head; what follows belongs to the new protocol', () => {
  const raw = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nGREETING');
  const p = parseResponse(raw, 'GET', false);
  assert.ok(typeof p !== 'string' && p.complete && p.final?.status === 101);
  assert.equal(raw.subarray(p.end).toString(), 'GREETING');
});

test('backend upgrades: 101 + byte echo, refusal with the bytes after it recorded, straight from the raw client', async () => {
  const backend = await RecordingBackend.start();
  try {
    const head = 'GET /x HTTP/1.1\r\nHost: b\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n';
    await backend.prepare({ upgrade: { greeting: 'HI ' } });
    const ok = await sendRaw({ port: backend.port, bytes: Buffer.from(head + 'early '), method: 'GET', after: { send: Buffer.from('late'), waitMs: 2000, untilBytes: 13 } });
    assert.equal(ok.status, 101);
    assert.deepEqual(ok.headers?.find(([k]) => k === 'Upgrade'), ['Upgrade', 'foo']);
    assert.equal(ok.after?.back.toString(), 'HI early late');
    assert.equal((await backend.requests())[0]?.afterHead, 'early late');

    await backend.prepare({ upgrade: { status: 426, headers: [['Upgrade', 'bar']] } });
    const no = await sendRaw({ port: backend.port, bytes: Buffer.from(head), method: 'GET', after: { send: Buffer.from('smuggled'), waitMs: 200 } });
    assert.equal(no.status, 426);
    const [r] = await backend.requests();
    assert.equal(r?.answered, 426);
    assert.equal(r?.afterHead, 'smuggled');
  } finally {
    await backend.stop();
  }
});

test('upgrade comparison: backend after-head bytes always, tunnel bytes only when apache2 answered 101', () => {
  const b = (afterHead: string) => ({ ...breq([['Host', 'b']]), afterHead });
  const a = obs({ status: 426, backend: [b('')], after: { back: 'HTTP/1.1 400 x', closed: false } });
  assert.deepEqual(compareObservations(a, obs({ status: 426, backend: [b('')], after: { back: '', closed: true } }), {}, 'GET', 426), []);
  assert.match(compareObservations(a, obs({ status: 426, backend: [b('smuggled')] }), {}, 'GET', 426).join('\n'), /after the head/);
  const t = obs({ status: 101, backend: [b('x')], after: { back: 'x', closed: false } });
  assert.match(compareObservations(t, obs({ status: 101, backend: [b('x')], after: { back: '', closed: false } }), {}, 'GET', 101).join('\n'), /through the tunnel/);
  assert.deepEqual(checkExpectation(t, { status: 101, after: { back: 'x' }, backend: [{ afterHead: 'x' }] }), []);
});
