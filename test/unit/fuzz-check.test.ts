// Bounded fuzzing of the config checker (loadConfig) with fast-check.
//
// Configs are built from realistic pieces (ProxyPass, ProxyPassMatch, RewriteCond/RewriteRule, Header,
// RequestHeader, LogFormat, Listen, ServerName, <VirtualHost>, <Location>, <LocationMatch>, <Proxy balancer://>,
// <IfModule>, <IfDefine>, Define/${VAR}, quotes, continuations, comments), then mutated (lines deleted, duplicated,
// swapped; nasty bytes and tokens inserted; truncated anywhere; unbalanced sections, huge words, regex
// metacharacters, %{, ${, [flags]).
//
// Properties:
//  1. for any text, loadConfig returns (never throws) within FUZZ_TIME_MS, every diagnostic is well-formed
//     (severity in the set, non-empty code and message, loc.file set, loc.line >= 1 — 0 only with col 0, the
//     file-level position —, loc.col >= 0, the line inside the text), and `errors` counts the error diagnostics;
//  2. a generated config without mutation has errors === 0 (every piece was checked with `apache2 -t`; set
//     FUZZ_APACHE=1 to re-check each generated config with apache2 -t while the property runs);
//  3. opt-in, FUZZ_DIFF=1: a mutated config tsproxyd accepts is accepted by `apache2 -t` too (differential; finds
//     checks tsproxyd lacks; FUZZ_DIFF_IGNORE=<regex of apache2 messages> skips divergences already known).
//
// Reproduce / vary:  FUZZ_SEED=<int>|random  FUZZ_RUNS=<n>  FUZZ_PATH=<fast-check path>  FUZZ_TIME_MS=<ms>  FUZZ_APACHE=1
//   FUZZ_STATS=1 (print the diagnostic codes reached)
//   node --test dist/test/unit/fuzz-check.test.js
//
// Nothing outside a fresh empty temporary ServerRoot is read: the text is passed in (file /tmp/fuzz.conf is never
// opened), generated Include lines point below ServerRoot/fuzz-missing/, and inputs whose Include lines could
// reach anything else after mutation are discarded (fc.pre).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Diagnostic, Loc } from '../../grammar/ast.js';
import { loadConfig, registry, type LoadResult } from '../../src/config/load.js';

// ---------------------------------------------------------------------------------------------------------------
// Settings

function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, not '${raw}'`);
  return n;
}

const SEED =
  process.env.FUZZ_SEED === 'random' ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0 : envInt('FUZZ_SEED', 0x7e5f0d);
const RUNS = envInt('FUZZ_RUNS', 400);
/** fast-check's replay path (printed on failure), to jump straight to the shrunk counterexample. */
const PATH = process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {};
const VALID_RUNS = Math.max(1, Math.ceil(RUNS / 2));
/** Per-call bound; generous because CI machines are busy — it catches hangs and blow-ups, not regressions. */
const TIME_MS = envInt('FUZZ_TIME_MS', 2000);
const APACHE = '/usr/sbin/apache2';
const CROSS_CHECK = process.env.FUZZ_APACHE === '1' && existsSync(APACHE);
/** FUZZ_STATS=1: also print which diagnostic codes the mutated inputs reached (to judge the generator). */
const STATS = process.env.FUZZ_STATS === '1';

const FILE = '/tmp/fuzz.conf';
/** An empty ServerRoot (with logs/, which apache2 -t wants); relative Includes resolve here and find nothing. */
const ROOT = mkdtempSync(join(tmpdir(), 'tsproxyd-fuzz-'));
mkdirSync(join(ROOT, 'logs'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

const SEVERITIES = new Set(['error', 'warning', 'notice']);

// Modules other sessions may still be adding: use their directives bare when tsproxyd knows them, otherwise keep
// them inside <IfModule> (still valid for both httpd and tsproxyd, the body is just not checked).
const REG = registry();
const HAS_HEADERS = REG.directive('Header') !== undefined && REG.directive('RequestHeader') !== undefined;
const HAS_LOGFORMAT = REG.directive('LogFormat') !== undefined && REG.directive('LogLevel') !== undefined;

// ---------------------------------------------------------------------------------------------------------------
// Valid pieces. A piece renders to lines given a unique id (ids keep paths, ports and names distinct).

type Quote = '' | '"' | "'";
interface Style {
  readonly quote: Quote;
  readonly indent: string;
  /** Split the directive with a backslash-newline before its last argument. */
  readonly cont: boolean;
}
type Piece = (id: number) => string[];

const styleArb: fc.Arbitrary<Style> = fc.record({
  quote: fc.constantFrom<Quote>('', '', '"', "'"),
  indent: fc.constantFrom('', '', '  ', '    ', '\t', ' \t '),
  cont: fc.boolean(),
});

/** One directive line in a style. Words holding a quote or a space, or ending in '\', are never (re)quoted. */
function d(style: Style, name: string, ...args: string[]): string[] {
  const q = (a: string) =>
    style.quote === '' || a.includes('"') || a.includes("'") || a.includes(' ') || a.endsWith('\\') ? a : style.quote + a + style.quote;
  const words = args.map(q);
  if (style.cont && words.length >= 2) {
    const last = words.pop()!;
    return [`${style.indent}${name} ${words.join(' ')} \\`, `${style.indent}    ${last}`];
  }
  return [`${style.indent}${[name, ...words].join(' ')}`];
}

const port = fc.integer({ min: 1024, max: 65535 });
const WORKER_PARAMS = ['timeout=5', 'retry=0', 'connectiontimeout=2', 'keepalive=On', 'ttl=60', 'max=20', 'acquire=3000', 'disablereuse=On', 'flushpackets=auto'];
const workerParams = fc.subarray(WORKER_PARAMS, { maxLength: 4 });

// --- directives valid in the main server and in <VirtualHost> --------------------------------------------------

const proxyPass: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port, workerParams, fc.constantFrom('http', 'ws', 'excl'))
  .map(([s, p, params, kind]) => (id) => {
    if (kind === 'excl') return d(s, 'ProxyPass', `/nop${id}`, '!');
    if (kind === 'ws') return d(s, 'ProxyPass', `/ws/${id}/`, `ws://127.0.0.1:${p}/sock${id}/`, 'upgrade=websocket', ...params);
    return d(s, 'ProxyPass', `/svc/${id}/`, `http://127.0.0.1:${p}/app${id}/`, ...params);
  });

const proxyPassMatch: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port, fc.constantFrom(0, 1, 2))
  .map(([s, p, v]) => (id) => {
    if (v === 0) return d(s, 'ProxyPassMatch', `^/m${id}/(\\d+)/(.*)$`, `http://127.0.0.1:${p}/$2?id=$1`);
    if (v === 1) return d(s, 'ProxyPassMatch', `^/php${id}/(.*\\.php)$`, `http://127.0.0.1:${p}/$1`, 'timeout=30');
    return d(s, 'ProxyPassMatch', `^/(?<name>[a-z]+)/${id}$`, `ws://127.0.0.1:${p}/$1`);
  });

const proxyPassReverse: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port)
  .map(([s, p]) => (id) => d(s, 'ProxyPassReverse', `/svc/${id}/`, `http://127.0.0.1:${p}/app${id}/`));

const REWRITES: readonly ((id: number, p: number) => string[][])[] = [
  (id, p) => [
    ['RewriteCond', '%{HTTP:Upgrade}', 'websocket', '[NC]'],
    ['RewriteCond', '%{HTTP:Connection}', 'upgrade', '[NC]'],
    ['RewriteRule', `^/r${id}/(.*)$`, `ws://127.0.0.1:${p}/$1`, '[P,L]'],
  ],
  (id) => [
    ['RewriteCond', '%{REQUEST_URI}', '!^/static/'],
    ['RewriteRule', `^/old${id}/(.*)$`, `/new${id}/$1`, '[R=301,L]'],
  ],
  (id) => [
    ['RewriteCond', '%{HTTP_HOST}', '^www\\.example\\.com$', '[NC,OR]'],
    ['RewriteCond', '%{HTTPS}', 'off'],
    ['RewriteRule', `^/h${id}`, 'https://%{HTTP_HOST}%{REQUEST_URI}', '[R=permanent,L,NE]'],
  ],
  (id, p) => [['RewriteRule', `^/api${id}/(.*)$`, `http://127.0.0.1:${p}/$1`, '[P,QSA]']],
  (id) => [['RewriteRule', `^/f${id}$`, '-', '[F]']],
  (id) => [['RewriteRule', `^/e${id}$`, '-', '[E=FOO:bar]']],
  (id) => [
    ['RewriteCond', '%{QUERY_STRING}', '(^|&)id=([0-9]+)'],
    ['RewriteRule', `^/q${id}$`, '/item/%2?', '[L]'],
  ],
  (id) => [['RewriteRule', `^/sp${id}/(.*)$`, '/sp/$1', '[NC,PT]']],
  (id) => [['RewriteRule', `^/g${id}`, '-', '[G]']],
  (id) => [['RewriteRule', `^/co${id}`, '-', '[CO=lang:en:.example.test:1440:/]']],
  (id) => [['RewriteRule', `^/t${id}$`, '/x', '[T=text/plain,L]']],
  (id) => [['RewriteRule', `^/redir${id}`, 'http://example.test/', '[R,L]']],
];

const rewrite: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port, fc.nat(REWRITES.length - 1), fc.boolean())
  .map(([s, p, v, engine]) => (id) => [
    ...(engine ? d(s, 'RewriteEngine', 'On') : []),
    ...REWRITES[v]!(id, p).flatMap(([name, ...args]) => d(s, name!, ...args)),
  ]);

/** Header lines; quoting is part of the line (values with blanks). */
const HEADERS: readonly ((id: number) => string)[] = [
  (id) => `Header set X-Req-${id} "v ${id}"`,
  () => 'Header always unset X-Powered-By',
  () => 'Header append Vary Accept-Encoding',
  () => 'Header edit Location ^http://(.*)$ https://$1',
  () => 'Header merge Cache-Control no-cache',
  () => 'Header set X-Env "%{FOO}e" env=FOO',
  () => 'Header setifempty X-A b',
  () => 'Header always set Strict-Transport-Security "max-age=63072000; includeSubDomains"',
  () => 'Header unset ETag',
  () => 'Header echo ^X-Echo',
  () => 'Header add Set-Cookie "a=b; Path=/"',
  () => 'Header set X-Cond yes "expr=%{REQUEST_STATUS} == 200"',
  () => 'RequestHeader set X-Forwarded-Proto "https"',
  () => 'RequestHeader unset Authorization',
  (id) => `RequestHeader append X-Trace-${id} "%D %t"`,
];

function guarded(lines: string[], known: boolean, module: string, indent: string): string[] {
  return known ? lines : [`${indent}<IfModule ${module}>`, ...lines, `${indent}</IfModule>`];
}

const header: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, fc.nat(HEADERS.length - 1))
  .map(([s, v]) => (id) => guarded([s.indent + HEADERS[v]!(id)], HAS_HEADERS, 'headers_module', s.indent));

const LOGS: readonly ((id: number) => string)[] = [
  (id) => `LogFormat "%h %l %u %t \\"%r\\" %>s %b" common${id}`,
  (id) => `LogFormat "%{Referer}i -> %U" referer${id}`,
  (id) => `LogFormat '%v %h %{X-Forwarded-For}i %>s %D' vlog${id}`,
  () => 'LogFormat "%h %{ms}T"',
  () => 'LogLevel warn proxy:info rewrite:trace3',
];

const logFormat: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, fc.nat(LOGS.length - 1))
  .map(([s, v]) => (id) => guarded([s.indent + LOGS[v]!(id)], HAS_LOGFORMAT, 'log_config_module', s.indent));

const MISC = [
  ['ProxyPreserveHost', 'On'],
  ['ProxyTimeout', '30'],
  ['ProxyRequests', 'Off'],
  ['ProxyVia', 'On'],
  ['Timeout', '60'],
  ['KeepAlive', 'On'],
  ['ProxyAddHeaders', 'Off'],
] as const;
const misc: fc.Arbitrary<Piece> = fc.tuple(styleArb, fc.constantFrom(...MISC)).map(([s, [n, v]]) => () => d(s, n, v));

// Comment text never ends in '\' (that would continue the comment onto the next line, as in httpd).
const commentText = fc.string({ unit: fc.constantFrom(...'abc xyz 019 "\'<>${}%[]()#=,;:/.!*?|^\t'.split('')), maxLength: 40 });
const comment: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, commentText, fc.boolean())
  .map(([s, t, blank]) => () => (blank ? [''] : [`${s.indent}#${t}`]));

const includeOptional: fc.Arbitrary<Piece> = styleArb.map((s) => (id) => d(s, 'IncludeOptional', `fuzz-missing/${id}/*.conf`));

const balancer: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port, port, fc.boolean())
  .map(([s, p1, p2, sticky]) => (id) => [
    `${s.indent}<Proxy balancer://c${id}>`,
    ...d(s, '  BalancerMember', `http://127.0.0.1:${p1}`, 'loadfactor=1', 'route=a'),
    ...d(s, '  BalancerMember', `http://127.0.0.1:${p2}`, 'route=b'),
    ...d(s, '  ProxySet', 'lbmethod=byrequests', ...(sticky ? ['stickysession=ROUTEID'] : [])),
    `${s.indent}</Proxy>`,
    ...d(s, 'ProxyPass', `/bal${id}/`, `balancer://c${id}/`),
  ]);

// --- directives inside <Location> / <LocationMatch> -------------------------------------------------------------

const locationBody: fc.Arbitrary<Piece> = fc.oneof(
  fc.tuple(styleArb, port).map(([s, p]) => () => d(s, '  ProxyPassReverse', `http://127.0.0.1:${p}/`)),
  fc.tuple(styleArb, fc.constantFrom(...MISC.slice(0, 1), ['ProxyAddHeaders', 'On'] as const)).map(([s, [n, v]]) => () => d(s, `  ${n}`, v)),
  header,
  fc.tuple(styleArb).map(([s]) => (id: number) => [...d(s, '  RewriteEngine', 'On'), ...d(s, '  RewriteRule', '^(.*)$', `/inner${id}$1`, '[L]')]),
  comment,
);

const location: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port, fc.array(locationBody, { maxLength: 4 }), fc.boolean())
  .map(([s, p, body, match]) => (id) => [
    match ? `<LocationMatch "^/lm${id}/(?<name>[a-z]+)">` : `<Location /loc${id}>`,
    ...d(s, '  ProxyPass', `http://127.0.0.1:${p}/x${id}/`),
    ...body.flatMap((b, i) => b(id * 100 + i)),
    match ? '</LocationMatch>' : '</Location>',
  ]);

// --- composites ------------------------------------------------------------------------------------------------

/** Pieces valid both at top level and directly inside <VirtualHost>. */
const leaf: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 4, arbitrary: proxyPass },
  { weight: 2, arbitrary: proxyPassMatch },
  { weight: 1, arbitrary: proxyPassReverse },
  { weight: 3, arbitrary: rewrite },
  { weight: 2, arbitrary: header },
  { weight: 1, arbitrary: logFormat },
  { weight: 1, arbitrary: misc },
  { weight: 2, arbitrary: comment },
  { weight: 1, arbitrary: includeOptional },
  { weight: 1, arbitrary: balancer },
  { weight: 1, arbitrary: location },
);

function sub(pieces: readonly Piece[], id: number): string[] {
  return pieces.flatMap((p, i) => p(id * 100 + i + 1));
}

const ifModuleTrue = fc
  .tuple(fc.constantFrom('proxy_module', 'mod_rewrite.c', 'rewrite_module', '!nonexistent_module', 'mod_proxy.c'), fc.array(leaf, { maxLength: 3 }))
  .map(([m, body]) => (id: number) => [`<IfModule ${m}>`, ...sub(body, id), '</IfModule>']);

/** A false condition: the body is skipped unchecked (only its section nesting matters), as in httpd. */
const falseSection: fc.Arbitrary<Piece> = fc.constantFrom<Piece>(
  () => ['<IfModule nonexistent_module>', '  NotADirective at all', '  <Nested whatever>', '  </Nested>', '</IfModule>'],
  (id) => [`<IfDefine NEVER_DEFINED_${id}>`, '  Bogus [junk ${UNDEF} %{', `</IfDefine>`],
  (id) => [`<IfDefine NEVER_DEFINED_${id}>`, '  Bogus "unterminated', '  <Location /x', '  </Location>', `</IfDefine>`],
);

const ifDefine = fc
  .tuple(fc.boolean(), fc.array(leaf, { maxLength: 3 }))
  .map(([defined, body]) => (id: number) =>
    defined
      ? [`Define FZ_${id}`, `<IfDefine FZ_${id}>`, ...sub(body, id), '</IfDefine>']
      : [`<IfDefine !NEVER_DEFINED_${id}>`, ...sub(body, id), '</IfDefine>'],
  );

const defineUse: fc.Arbitrary<Piece> = fc
  .tuple(styleArb, port)
  .map(([s, p]) => (id) => [`Define BACK_${id} 127.0.0.1:${p}`, ...d(s, 'ProxyPass', `/def${id}/`, `http://\${BACK_${id}}/`, 'retry=0')]);

const listen: fc.Arbitrary<Piece> = fc.constantFrom<Piece>((id) => [`Listen 127.0.0.1:${20000 + id}`], (id) => [`Listen ${30000 + id}`]);

const vhost = fc
  .tuple(fc.boolean(), fc.array(fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: ifModuleTrue }), { maxLength: 6 }))
  .map(([alias, body]) => (id: number) => [
    `<VirtualHost ${id % 2 ? '*:18080' : `127.0.0.1:${20000 + id}`}>`,
    `  ServerName vh${id}.example.test`,
    ...(alias ? [`  ServerAlias alias${id}.example.test *.vh${id}.example.test`] : []),
    ...sub(body, id),
    '</VirtualHost>',
  ]);

const topPiece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 10, arbitrary: leaf },
  { weight: 2, arbitrary: vhost },
  { weight: 1, arbitrary: ifModuleTrue },
  { weight: 1, arbitrary: falseSection },
  { weight: 1, arbitrary: ifDefine },
  { weight: 1, arbitrary: defineUse },
  { weight: 1, arbitrary: listen },
);

const PREAMBLE = [
  `ServerRoot "${ROOT}"`,
  'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
  'LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so',
  'LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so',
  'LoadModule proxy_wstunnel_module /usr/lib/apache2/modules/mod_proxy_wstunnel.so',
  'LoadModule proxy_balancer_module /usr/lib/apache2/modules/mod_proxy_balancer.so',
  'LoadModule slotmem_shm_module /usr/lib/apache2/modules/mod_slotmem_shm.so',
  'LoadModule lbmethod_byrequests_module /usr/lib/apache2/modules/mod_lbmethod_byrequests.so',
  'LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so',
  ...(REG.module('headers_module') ? ['LoadModule headers_module /usr/lib/apache2/modules/mod_headers.so'] : []),
  'Listen 127.0.0.1:18080',
  'ServerName fuzz.example.test',
];

/** A valid config as lines. */
const validConfig: fc.Arbitrary<string[]> = fc
  .tuple(fc.array(topPiece, { minLength: 1, maxLength: 25 }), fc.constantFrom('\n', '\n', '\r\n'))
  .map(([pieces, eol]) => {
    const lines = [...PREAMBLE, ...pieces.flatMap((p, i) => p(i + 1))];
    return eol === '\n' ? lines : lines.map((l) => l + '\r');
  });

// ---------------------------------------------------------------------------------------------------------------
// Mutations

const NASTY_TOKENS = [
  '"', "'", '\\', '\\\n', '\\\r\n', '<', '>', '</', '<<', '>>', '#', '\0', '\r', '\r\n', '\n', '\t', ' ', '\v', '\f',
  'é', 'ÿ', '\u00a0', '😀', '\u2028', '\ufeff', '\ufffd', '\ud800', '${', '${X}', '${}', '${${A}}', '${UNDEF_VAR}', '%{', '%{HTTP:',
  '%{ENV:', '%{}', '[', ']', '[P,L', '[NC,OR]', '[R=30x]', '[E=:]', '[]', '[,,,]', '(', ')', '(?', '(?<', '(?P<x>', '*',
  '+', '?', '{', '}', '{1,', '|', '^', '$', '$1', '%1', '\\1', '\\', '=', ',', '!', 'balancer://', 'ws://',
  'unix:/tmp/x.sock|http://h/', 'http://[::1', '://', '//', 'key=', '=v', ' timeout=-1', ' upgrade=', ' retry=abc',
  '"\\"', "'\\'", '""', "''", 'expr=', 'env=!', '\\\\', '\\"',
];
const NASTY_CHARS = '"\'\\<>#\0\r\n\t ${}%[]()*+?|^.,=!:/é😀\ufeff'.split('');

const nasty: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_TOKENS) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_CHARS), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
);

const regexJunk = fc.string({ unit: fc.constantFrom(...'()[]{}*+?|^$\\.a1,-:<>=!#PdkQExp&'.split('')), minLength: 1, maxLength: 24 });
const flagJunk = fc.string({ unit: fc.constantFrom(...'PLRNCOFGQSAET=,:01x! '.split('')), maxLength: 16 });
const hugeWord = fc.tuple(fc.integer({ min: 1000, max: 20000 }), fc.constantFrom('x', 'a/', '(', '"', '%{', '${', '\\', 'é')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

const NASTY_LINES = [
  '<VirtualHost *:80>', '</VirtualHost>', '<Location', '<Location /x', '<Location /x>>', '</Location', '</Foo>', '<IfModule>',
  '<IfModule !>', '<IfDefine>', '</IfDefine>', '<IfDefine !>', '<Proxy balancer://x>', '</Proxy>', '<LocationMatch "(">',
  '<If "%{X} ==">', '</If>', '<>', '< >', '</>', '<!-- x -->', '<Location "/a>', '<VirtualHost>', '<Proxy>', '<Location />',
  'Include', 'IncludeOptional', 'Include fuzz-missing/x.conf', 'Include fuzz-missing/*.conf', 'IncludeOptional fuzz-missing/[a-',
  'Listen', 'Listen 0', 'Listen 99999', 'Listen [::1]:80', 'Listen a:b:c', 'Listen 80 https', 'Listen 18080',
  'ServerName', 'ServerName a b', 'BalancerMember', 'BalancerMember http://127.0.0.1:1', 'ProxySet', 'ProxySet lbmethod=nope',
  'ProxyPass', 'ProxyPass /x', 'ProxyPass /x http://', 'ProxyPass /x http://127.0.0.1:1/ timeout', 'ProxyPass /x balancer://',
  'ProxyPass /x ${UNDEF}', 'ProxyPassMatch', 'ProxyPassMatch ( http://127.0.0.1:1/', 'RewriteEngine', 'RewriteEngine maybe',
  'RewriteCond', 'RewriteCond %{ nope', 'RewriteCond %{HTTP:} x', 'RewriteCond a b [', 'RewriteRule', 'RewriteRule ^',
  'RewriteRule ^ %{HTTP_HOST [R]', 'RewriteRule ^ - [R=999]', 'RewriteRule ^ - [S=abc]', 'RewriteRule ^ - [E=]', 'RewriteRule ^ - [CO=]',
  'RewriteRule ^ - [,,,]', 'RewriteRule ^ - []', 'Header', 'Header set', 'Header bogus X y', 'Header edit X ( y', 'RequestHeader set',
  'LogFormat', 'LogFormat "%{" x', 'LogFormat "%', 'Define', 'Define A ${A}', 'Define ${A} b', 'Define a:b c', 'UnDefine',
  'LoadModule', 'LoadModule nope_module x.so', 'LoadModule rewrite_module /usr/lib/apache2/modules/mod_rewrite.so', 'ServerRoot',
  '#', '\\', '"', "'", '\0', '\r', ' \t ', '${', '%{',
];

const nastyLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY_LINES) },
  { weight: 1, arbitrary: hugeWord },
  { weight: 1, arbitrary: hugeWord.map((w) => `ProxyPass /${w} http://127.0.0.1:1/`) },
  { weight: 1, arbitrary: hugeWord.map((w) => `RewriteRule ^/${w} /x [L]`) },
  { weight: 1, arbitrary: hugeWord.map((w) => `Header set X-Big "${w}"`) },
  { weight: 2, arbitrary: regexJunk.map((r) => `RewriteRule ${r} /x [L]`) },
  { weight: 2, arbitrary: fc.tuple(regexJunk, flagJunk).map(([r, f]) => `RewriteCond %{HTTP_HOST} ${r} [${f}]`) },
  { weight: 2, arbitrary: flagJunk.map((f) => `RewriteRule ^/x(.*)$ ws://127.0.0.1:9/$1 [${f}]`) },
  { weight: 2, arbitrary: regexJunk.map((r) => `ProxyPassMatch ${r} http://127.0.0.1:1/$1`) },
  { weight: 1, arbitrary: regexJunk.map((r) => `<LocationMatch ${r}>`) },
  { weight: 1, arbitrary: regexJunk.map((r) => `Header edit X ${r} y`) },
  { weight: 1, arbitrary: regexJunk.map((r) => `Header echo ${r}`) },
  { weight: 2, arbitrary: fc.tuple(nasty, nasty).map(([a, b]) => `ProxyPass /p${a} http://127.0.0.1:1/${b} timeout=${a}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => '<IfModule proxy_module>\n'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 300 }).map((n) => '</IfModule>\n'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }).map((n) => '\\\n'.repeat(n)) },
  { weight: 1, arbitrary: nasty },
);

type Mutation =
  | { readonly k: 'del' | 'dup'; readonly at: number }
  | { readonly k: 'swap'; readonly a: number; readonly b: number }
  | { readonly k: 'ins'; readonly at: number; readonly col: number; readonly s: string }
  | { readonly k: 'word'; readonly at: number; readonly w: number; readonly s: string }
  | { readonly k: 'line'; readonly at: number; readonly s: string }
  | { readonly k: 'trunc'; readonly at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant('del' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('dup' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('ins' as const), at: fc.nat(), col: fc.nat(), s: nasty }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('word' as const), at: fc.nat(), w: fc.nat(), s: fc.oneof(nasty, regexJunk) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('line' as const), at: fc.nat(), s: nastyLine }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('trunc' as const), at: fc.nat() }) },
);

function mutate(lines0: readonly string[], muts: readonly Mutation[]): string {
  const lines = [...lines0];
  let text: string | undefined;
  for (const m of muts) {
    if (text !== undefined) {
      // A truncation happened: keep mutating the truncated text.
      lines.splice(0, lines.length, ...text.split('\n'));
      text = undefined;
    }
    const n = lines.length;
    if (n === 0) lines.push('');
    const i = (x: number) => x % lines.length;
    switch (m.k) {
      case 'del':
        lines.splice(i(m.at), 1);
        break;
      case 'dup': {
        const at = i(m.at);
        lines.splice(at, 0, lines[at]!);
        break;
      }
      case 'swap': {
        const a = i(m.a);
        const b = i(m.b);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        break;
      }
      case 'ins': {
        const at = i(m.at);
        const l = lines[at]!;
        const c = m.col % (l.length + 1);
        lines[at] = l.slice(0, c) + m.s + l.slice(c);
        break;
      }
      case 'word': {
        const at = i(m.at);
        const parts = lines[at]!.split(/(\s+)/);
        const words = parts.map((p, j) => (/\S/.test(p) ? j : -1)).filter((j) => j >= 0);
        if (words.length) parts[words[m.w % words.length]!] = m.s;
        lines[at] = parts.join('');
        break;
      }
      case 'line':
        lines.splice(m.at % (lines.length + 1), 0, m.s);
        break;
      case 'trunc': {
        const all = lines.join('\n');
        text = all.slice(0, m.at % (all.length + 1));
        break;
      }
    }
  }
  return text ?? lines.join('\n');
}

/**
 * false when an Include in the mutated text could reach real files: each Include/IncludeOptional must be followed
 * by a word below fuzz-missing/, and no '..' may appear anywhere (it could climb out of ServerRoot).
 */
function includesStayInSandbox(text: string): boolean {
  const re = /include(?:optional)?/gi;
  if (!re.test(text)) return true;
  if (text.includes('..')) return false;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 400).replace(/\\\r?\n/g, ' ');
    const word = /^[^\S\n]*(\S*)/.exec(rest)?.[1] ?? '';
    if (word !== '' && !word.replace(/^["']/, '').startsWith('fuzz-missing/')) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

function run(text: string): { result: LoadResult; ms: number } {
  const t0 = performance.now();
  const result = loadConfig({ file: FILE, text, serverRoot: ROOT, env: { HOME: '/nonexistent' } });
  return { result, ms: performance.now() - t0 };
}

function checkLoc(loc: Loc | undefined, what: string, physical: readonly string[]): void {
  assert.ok(loc !== null && typeof loc === 'object', `${what}: loc missing`);
  assert.ok(typeof loc.file === 'string' && loc.file.length > 0, `${what}: loc.file not set`);
  assert.ok(Number.isInteger(loc.line) && Number.isInteger(loc.col), `${what}: non-integer position ${loc.line}:${loc.col}`);
  assert.ok(loc.col >= 0, `${what}: col ${loc.col} < 0`);
  assert.ok(loc.line >= 1 || (loc.line === 0 && loc.col === 0), `${what}: line ${loc.line} (only 0:0, a file-level position, may be < 1)`);
  if (loc.file === FILE) {
    // httpd numbers lines by LF only; a position may sit just after the last line (end of file).
    assert.ok(loc.line <= physical.length, `${what}: line ${loc.line} beyond the ${physical.length} lines of the text`);
    if (loc.line >= 1) {
      const len = physical[loc.line - 1]!.length;
      assert.ok(loc.col <= len + 1, `${what}: col ${loc.col} beyond the end of line ${loc.line} (${len} chars)`);
    }
  }
}

function checkResult(text: string, { result, ms }: { result: LoadResult; ms: number }): void {
  assert.ok(ms <= TIME_MS, `loadConfig took ${ms.toFixed(0)} ms (bound ${TIME_MS} ms) on ${text.length} chars`);
  assert.ok(result && Array.isArray(result.diagnostics), 'no diagnostics array');
  const physical = text.split('\n');
  let errors = 0;
  result.diagnostics.forEach((dg: Diagnostic, k) => {
    const what = `diagnostic #${k} ${JSON.stringify(dg).slice(0, 300)}`;
    assert.ok(SEVERITIES.has(dg.severity), `${what}: severity '${dg.severity}'`);
    assert.ok(typeof dg.code === 'string' && dg.code.length > 0, `${what}: empty code`);
    assert.ok(typeof dg.message === 'string' && dg.message.trim().length > 0, `${what}: empty message`);
    checkLoc(dg.loc, what, physical);
    for (const v of dg.via ?? []) checkLoc(v, `${what} via`, physical);
    if (dg.severity === 'error') errors++;
  });
  assert.equal(result.errors, errors, 'errors must count the error diagnostics');
}

function show(diags: readonly Diagnostic[]): string {
  return diags.map((x) => `  ${x.severity} ${x.code} ${x.loc.line}:${x.loc.col} ${x.message}`).join('\n');
}

function reproduce(e: unknown, runs: number): never {
  const msg = e instanceof Error ? e.message : String(e);
  throw new Error(`${msg}\n\nReproduce: FUZZ_SEED=${SEED} FUZZ_RUNS=${runs} node --test dist/test/unit/fuzz-check.test.js`, { cause: e });
}

// ---------------------------------------------------------------------------------------------------------------
// Properties

test(`fuzz: loadConfig never throws and reports well-formed diagnostics (seed ${SEED}, ${RUNS} runs)`, { timeout: 600_000 }, (t) => {
  t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_TIME_MS=${TIME_MS}`);
  let slowest = 0;
  let discarded = 0;
  let clean = 0;
  const codes = new Map<string, number>();
  const t0 = performance.now();
  const arb = fc
    .tuple(validConfig, fc.array(mutation, { minLength: 1, maxLength: 8 }))
    .map(([lines, muts]) => mutate(lines, muts));
  try {
    fc.assert(
      fc.property(arb, (text) => {
        if (!includesStayInSandbox(text)) {
          discarded++;
          fc.pre(false);
        }
        let out: { result: LoadResult; ms: number };
        try {
          out = run(text);
        } catch (e) {
          throw new Error(`loadConfig threw: ${e instanceof Error ? e.stack : String(e)}`);
        }
        slowest = Math.max(slowest, out.ms);
        if (STATS) for (const x of out.result.diagnostics) codes.set(x.code, (codes.get(x.code) ?? 0) + 1);
        if (STATS && out.result.errors === 0) clean++;
        checkResult(text, out);
      }),
      { seed: SEED, numRuns: RUNS, maxSkipsPerRun: 10, includeErrorInReport: true, ...PATH },
    );
  } catch (e) {
    reproduce(e, RUNS);
  }
  t.diagnostic(`slowest loadConfig ${slowest.toFixed(0)} ms; ${discarded} inputs discarded (Include outside the sandbox); total ${(performance.now() - t0).toFixed(0)} ms`);
  if (STATS) {
    t.diagnostic(`${clean} mutated inputs without errors; diagnostic codes seen: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(' ')}`);
  }
});

test(`fuzz: generated valid configs have no errors (seed ${SEED}, ${VALID_RUNS} runs${CROSS_CHECK ? ', cross-checked with apache2 -t' : ''})`, { timeout: 600_000 }, (t) => {
  t.diagnostic(`FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}; Header ${HAS_HEADERS ? 'checked' : 'inside <IfModule> (not registered)'}, LogFormat ${HAS_LOGFORMAT ? 'checked' : 'inside <IfModule> (not registered)'}`);
  const t0 = performance.now();
  const confFile = join(ROOT, 'valid.conf');
  try {
    fc.assert(
      fc.property(validConfig, (lines) => {
        const text = lines.join('\n') + '\n';
        const out = run(text);
        checkResult(text, out);
        const errs = out.result.diagnostics.filter((x) => x.severity === 'error');
        assert.equal(out.result.errors, 0, `tsproxyd reports errors on a valid config:\n${show(errs)}\n--- config ---\n${text}`);
        if (CROSS_CHECK) {
          writeFileSync(confFile, text);
          const ap = spawnSync(APACHE, ['-t', '-d', ROOT, '-f', confFile], { encoding: 'utf8' });
          assert.equal(ap.status, 0, `apache2 -t rejects a generated "valid" config (fix the generator):\n${ap.stderr}\n--- config ---\n${text}`);
        }
      }),
      { seed: SEED, numRuns: VALID_RUNS, includeErrorInReport: true, ...PATH },
    );
  } catch (e) {
    reproduce(e, RUNS);
  }
  t.diagnostic(`total ${(performance.now() - t0).toFixed(0)} ms`);
});

// Opt-in (FUZZ_DIFF=1, needs apache2): a mutated config tsproxyd accepts must be accepted by apache2 -t as well —
// tsproxyd saying "Syntax OK" to a file httpd refuses is the dangerous direction. (The other direction is
// expected: tsproxyd is deliberately stricter in places.) Slow: one apache2 process per input.
test('fuzz (FUZZ_DIFF=1): what tsproxyd accepts, apache2 -t accepts', { skip: process.env.FUZZ_DIFF !== '1' || !existsSync(APACHE), timeout: 600_000 }, (t) => {
  const confFile = join(ROOT, 'diff.conf');
  // FUZZ_DIFF_IGNORE=<regex>: apache2 messages of divergences already known (to look for the next kind).
  const IGNORE = process.env.FUZZ_DIFF_IGNORE ? new RegExp(process.env.FUZZ_DIFF_IGNORE) : undefined;
  let accepted = 0;
  let ignored = 0;
  const arb = fc
    .tuple(validConfig, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    // The preamble stays intact: without its LoadModule mpm line httpd stops at "No MPM loaded", which tsproxyd,
    // needing no MPM, does not check.
    .map(([lines, muts]) => [...lines.slice(0, PREAMBLE.length), mutate(lines.slice(PREAMBLE.length), muts)].join('\n'));
  try {
    fc.assert(
      fc.property(arb, (text) => {
        if (!includesStayInSandbox(text) || text.includes('\0')) fc.pre(false); // apache reads C strings
        const out = run(text);
        if (out.result.errors > 0) return;
        accepted++;
        writeFileSync(confFile, text);
        const ap = spawnSync(APACHE, ['-t', '-d', ROOT, '-f', confFile], { encoding: 'utf8' });
        if (ap.status !== 0 && IGNORE !== undefined && IGNORE.test(ap.stderr)) {
          ignored++;
          return;
        }
        assert.equal(ap.status, 0, `tsproxyd accepts what apache2 -t refuses:\n${ap.stderr}\n--- tsproxyd ---\n${show(out.result.diagnostics)}`);
      }),
      { seed: SEED, numRuns: RUNS, maxSkipsPerRun: 10, includeErrorInReport: true, ...PATH },
    );
  } catch (e) {
    reproduce(e, RUNS);
  }
  t.diagnostic(`${accepted} mutated inputs accepted by tsproxyd were checked with apache2 -t (${ignored} refusals matched FUZZ_DIFF_IGNORE)`);
});
