// The access-log formatter (src/log/formatter.ts) letter by letter, httpd's escaping, and %t/%{…}t. Expected
// values are what apache2 2.4.71 wrote for the same request where the letter depends on httpd (README "Logs").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLogFormat, type LogFormat } from '../../src/modules/log/format.js';
import { compileFormat } from '../../src/log/formatter.js';
import { escapeLogItem } from '../../src/log/escape.js';
import type { AccessRecord } from '../../src/log/record.js';
import { clfTime, compileTimeFormat, errorLogTime, tzOffset } from '../../src/log/time.js';
import { formatErrorLine } from '../../src/log/error-log.js';

// 2026-11-22 04:30:00.123456 local time; the request took 1.5 s.
const START = new Date(2026, 10, 22, 4, 30, 0, 123).getTime() * 1000 + 456;
const HEADERS_IN: Record<string, string> = { 'user-agent': 'curl/8.5', referer: 'http://r/', cookie: 'a=1; sess=xyz; b=2', host: 'Foo.Example:9999' };
const HEADERS_OUT: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'a=1, b=2', 'x-b': 'v"\\x' };

function record(over: Partial<AccessRecord> = {}): AccessRecord {
  return {
    startUs: START,
    startHr: 1_000_000_000n,
    endUs: START + 1_500_000,
    endHr: 1_000_000_000n + 1_500_123_000n,
    remoteAddr: '127.0.0.1',
    remotePort: 5555,
    localAddr: '127.0.0.2',
    localPort: 8080,
    tls: false,
    serverName: 'www.example',
    serverPort: undefined,
    hostName: 'foo.example',
    useCanonicalName: false,
    requestLine: 'GET /a%20b?x=1 HTTP/1.1',
    method: 'GET',
    protocol: 'HTTP/1.1',
    path: '/a b',
    query: 'x=1',
    status: 200,
    originalStatus: 200,
    bodyBytes: 5,
    bytesSent: 197,
    bytesReceived: 92,
    requestHeader: (n) => HEADERS_IN[n],
    responseHeader: (n) => HEADERS_OUT[n],
    env: new Map([['FOO', 'bar']]),
    keepAlives: 3,
    connStatus: '+',
    handler: 'proxy-server',
    filename: 'proxy:http://127.0.0.1:3000/a%20b',
    pid: 4242,
    ...over,
  };
}

function fmt(source: string, over: Partial<AccessRecord> = {}): string {
  const f = parseLogFormat(source);
  assert.notEqual(typeof f, 'string', `${source}: ${String(f)}`);
  return compileFormat(f as LogFormat)(record(over));
}

const LETTERS: readonly (readonly [string, string, Partial<AccessRecord>?])[] = [
  ['%h %a %{c}a %A', '127.0.0.1 127.0.0.1 127.0.0.1 127.0.0.2'],
  ['%l %u', '- -'],
  ['%v %V', 'www.example foo.example'],
  ['%V', 'www.example', { useCanonicalName: true }],
  ['%V', 'www.example', { hostName: undefined }],
  ['%p %{canonical}p %{local}p %{remote}p', '80 80 8080 5555'],
  ['%p', '443', { tls: true }],
  ['%p', '8443', { serverPort: 8443 }],
  ['%P %{pid}P %{tid}P %{hextid}P', '4242 4242 4242 1092'],
  ['"%r"', '"GET /a%20b?x=1 HTTP/1.1"'],
  ['%m %U %q %H', 'GET /a b ?x=1 HTTP/1.1'],
  ['[%q]', '[]', { query: undefined }],
  ['[%q]', '[?]', { query: '' }],
  ['%s %>s %<s', '502 200 502', { originalStatus: 502 }],
  ['%b %B', '5 5'],
  ['%b %B', '- 0', { bodyBytes: 0 }],
  ['%I %O %S', '92 197 289'],
  ['%k %X %R', '3 + proxy-server'],
  ['%X %R', 'X -', { connStatus: 'X', handler: undefined }],
  ['%f', 'proxy:http://127.0.0.1:3000/a%20b'],
  ['%f %L %n %{x}n', '- - - -', { filename: undefined }],
  ['%{FOO}e %{NOPE}e', 'bar -'],
  ['%{User-Agent}i %{REFERER}i %{X-None}i', 'curl/8.5 http://r/ -'],
  ['%{Content-Type}o|%{Set-Cookie}o|%{X-B}o|%{X-None}o', 'text/html|a=1, b=2|v\\"\\\\x|-'],
  ['%{sess}C %{nope}C', 'xyz -'],
  ['%D %T %{ms}T %{us}T %{s}T', '1500123 1 1500 1500123 1'],
  ['%{sec}t %{msec}t %{usec}t %{msec_frac}t %{usec_frac}t', `${Math.floor(START / 1e6)} ${Math.floor(START / 1e3)} ${START} 123 123456`],
  ['%{end:usec_frac}t %{begin:usec_frac}t', '623456 123456'],
  ['%{%Y-%m-%d %H:%M:%S}t', '2026-11-22 04:30:00'],
  ['%{end:%H:%M:%S}t', '04:30:01'],
  ['100%% %%h', '100% %h'],
  ['a\\tb\\nc', 'a\tb\nc'],
];

for (const [source, expected, over] of LETTERS) {
  test(`LogFormat ${JSON.stringify(source)}${over ? ` with ${JSON.stringify(over, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}` : ''}`, () => {
    assert.equal(fmt(source, over), expected);
  });
}

test('%t is the CLF time in brackets with the local offset', () => {
  const d = new Date(START / 1000);
  assert.equal(fmt('%t'), `[22/Nov/2026:04:30:00 ${tzOffset(d)}]`);
  assert.equal(clfTime(d), `22/Nov/2026:04:30:00 ${tzOffset(d)}`);
});

test('status conditions: %400,501{…}i only for those statuses, %!200,304{…}i for all others', () => {
  assert.equal(fmt('%400,501{User-agent}i', { status: 501 }), 'curl/8.5');
  assert.equal(fmt('%400,501{User-agent}i', { status: 200 }), '-');
  assert.equal(fmt('%!200,304{Referer}i', { status: 200 }), '-');
  assert.equal(fmt('%!200,304{Referer}i', { status: 404 }), 'http://r/');
  assert.equal(fmt('%404s|%!404U', { status: 404, originalStatus: 404 }), '404|-');
});

test('escaping as ap_escape_logitem: quotes, backslashes, control and non-ASCII bytes (\\xhh lower-case)', () => {
  assert.equal(escapeLogItem('plain text/ok?'), 'plain text/ok?');
  assert.equal(escapeLogItem('a"b\\c'), 'a\\"b\\\\c');
  assert.equal(escapeLogItem('\b\n\r\t\v'), '\\b\\n\\r\\t\\v');
  assert.equal(escapeLogItem('\x01\x1f\x7f'), '\\x01\\x1f\\x7f');
  assert.equal(escapeLogItem('\xc3\xa9'), '\\xc3\\xa9'); // latin1 bytes of UTF-8 "é", as Node hands headers over
  assert.equal(escapeLogItem('é'), '\\xe9'); // one byte when it fits
  assert.equal(escapeLogItem('€😀'), '\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80'); // wider chars: their UTF-8 bytes
});

test('escaped items: %r %U %q %i %o %e %m %H %v; never %a %s %b', () => {
  const nasty = 'x"\\\x01\xe9';
  const r = { requestLine: `GET /${nasty} HTTP/1.1`, path: `/${nasty}`, query: nasty, env: new Map([['V', nasty]]), serverName: nasty };
  assert.equal(fmt('%r|%U|%q|%{V}e|%v', r), 'GET /x\\"\\\\\\x01\\xe9 HTTP/1.1|/x\\"\\\\\\x01\\xe9|?x\\"\\\\\\x01\\xe9|x\\"\\\\\\x01\\xe9|x\\"\\\\\\x01\\xe9');
  const headers = { requestHeader: () => nasty, responseHeader: () => nasty };
  assert.equal(fmt('%{A}i|%{B}o', headers), 'x\\"\\\\\\x01\\xe9|x\\"\\\\\\x01\\xe9');
});

test('a format is compiled once and reused: the same function gives each record its own line', () => {
  const f = compileFormat(parseLogFormat('%>s %U') as LogFormat);
  assert.equal(f(record({ status: 201, path: '/1' })), '201 /1');
  assert.equal(f(record({ status: 404, path: '/2' })), '404 /2');
});

test('strftime subset, unknown conversions kept as written', () => {
  const us = new Date(2026, 0, 5, 13, 7, 9).getTime() * 1000;
  assert.equal(compileTimeFormat('%a %A %b %B %d %e %j %y %I %p %T %D %F %R %%')(us), 'Mon Monday Jan January 05  5 005 26 01 PM 13:07:09 01/05/26 2026-01-05 13:07 %');
  assert.equal(compileTimeFormat('%Q')(us), '%Q');
});

test('error log lines in httpd 2.4 format', () => {
  const us = new Date(2026, 10, 22, 4, 30, 0, 123).getTime() * 1000 + 456;
  assert.equal(errorLogTime(us), 'Sun Nov 22 04:30:00.123456 2026');
  assert.equal(formatErrorLine('[proxy:error] AH00959: disabled', us, 77), '[Sun Nov 22 04:30:00.123456 2026] [proxy:error] [pid 77:tid 77] AH00959: disabled');
  assert.equal(
    formatErrorLine('[proxy_http:warn] [client 127.0.0.1:5555] AH01102: read failed', us, 77),
    '[Sun Nov 22 04:30:00.123456 2026] [proxy_http:warn] [pid 77:tid 77] [client 127.0.0.1:5555] AH01102: read failed',
  );
  assert.equal(formatErrorLine('plain', us, 77), '[Sun Nov 22 04:30:00.123456 2026] [core:notice] [pid 77:tid 77] plain');
});

test('text is written as bytes: UTF-8 literal text from the config, request bytes as they came', () => {
  assert.equal(fmt('→ %>s'), '\xe2\x86\x92 200'); // one char per byte, written with latin1
  assert.equal(formatErrorLine('[core:error] a → b', 0, 1).endsWith('a \xe2\x86\x92 b'), true);
});
