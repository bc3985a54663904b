import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../grammar/ast.js';
import { rewriteModule } from '../../src/modules/rewrite/directives.js';
import type { RewriteServerConf } from '../../src/modules/rewrite/model.js';
import { newModel, run } from './fake-site.js';

const LOC = [['Location', 'Location']] as const;
/** Runs a RAW_ARGS directive from its raw text. */
const raw = (name: string, text: string, conf?: Parameters<typeof run>[4], sections: typeof LOC | [] = []) =>
  run(rewriteModule, name, text.split(/\s+/).filter(Boolean), { raw: text, sections }, conf as never);

// [directive, raw arguments, httpd 2.4.71's message (apache2 -t)]
const errors: [string, string, string][] = [
  ['RewriteRule', '', "RewriteRule: bad argument line ''"],
  ['RewriteRule', '^a', "RewriteRule: bad argument line '^a'"],
  ['RewriteRule', '"^a b c', `RewriteRule: bad argument line '"^a b c'`],
  ['RewriteRule', '^a b c', 'RewriteRule: bad flag delimiters'],
  ['RewriteRule', '^a b [L', 'RewriteRule: bad flag delimiters'],
  ['RewriteRule', '^a b [ L , NC ]', 'RewriteRule: bad flag delimiters'],
  ['RewriteRule', '^a b [Zz]', "RewriteRule: unknown flag 'Zz'"],
  ['RewriteRule', '^a b []', "RewriteRule: unknown flag ''"],
  ['RewriteRule', '^a b [L,,NC]', "RewriteRule: unknown flag ''"],
  ['RewriteRule', '^a b [backrefnoplus]', "RewriteRule: unknown flag 'backrefnoplus'"],
  ['RewriteRule', '^a b [U]', "RewriteRule: unknown flag 'U'"],
  ['RewriteRule', '^a b [R=999]', "RewriteRule: invalid HTTP response code '999' for flag 'R'"],
  ['RewriteRule', '^a b [R=0]', "RewriteRule: invalid HTTP response code '0' for flag 'R'"],
  ['RewriteRule', '^a b [R=418]', "RewriteRule: invalid HTTP response code '418' for flag 'R'"],
  ['RewriteRule', '^a b [R=3xx]', "RewriteRule: invalid HTTP response code '3xx' for flag 'R'"],
  ['RewriteRule', '^a b [BNE]', "RewriteRule: flag 'BNE' wants a list of characters (i.e. [BNE=...])"],
  ['RewriteCond', '', "RewriteCond: bad argument line ''"],
  ['RewriteCond', 'a', "RewriteCond: bad argument line 'a'"],
  ['RewriteCond', 'a b [X]', "RewriteCond: unknown flag 'X'"],
  ['RewriteCond', 'a b c', 'RewriteCond: bad flag delimiters'],
];
for (const [name, text, message] of errors) {
  test(`${name} ${text} → ${message}`, () => assert.equal(raw(name, text).error, message));
}

test('a bad regex gives httpd\'s prefix and our reason', () => {
  const r = raw('RewriteRule', '^(a b [L]');
  assert.ok(r.error?.startsWith("RewriteRule: cannot compile regular expression '^(a': "), r.error);
  assert.ok(raw('RewriteRule', '^(?>a) b')!.error?.includes('atomic groups'));
  assert.ok(raw('RewriteCond', 'a (b [NC]').error?.startsWith("RewriteCond: cannot compile regular expression '(b': "));
});

test('RewriteRule compiles pattern, substitution and flags once', () => {
  const r = raw('RewriteRule', '^/api/(.*)$ http://backend:8080/$1 [P,L,NC,QSA,R=permanent,E=!X,E=Y:z,CO=n:v:.ex.com:10:/:secure:HttpOnly:Lax,S=2,N=5,T=text/plain,H=h,B=?&,BNE=/,BNP,BCTLS,END,UnsafeAllow3F,unc]');
  assert.equal(r.error, undefined);
  const rule = r.conf.server.rules[0]!;
  assert.ok(rule.pattern.test('/API/x'));
  assert.equal(rule.pattern.flags, 'is');
  assert.equal(rule.groups, 1);
  assert.deepEqual(rule.substitution, { text: 'http://backend:8080/$1', kind: 'absolute', scheme: 'http' });
  const f = rule.flags;
  assert.equal(f.proxy && f.last && f.noCase && f.qsAppend && f.end && f.unsafeAllow3F && f.unc && f.escapeNoPlus && f.escapeControls, true);
  assert.equal(f.redirect, 301);
  assert.deepEqual(f.env, [{ name: 'X', unset: true, raw: '!X' }, { name: 'Y', value: 'z', unset: false, raw: 'Y:z' }]);
  assert.deepEqual(f.cookies, [{ name: 'n', value: 'v', domain: '.ex.com', lifetime: '10', path: '/', secure: true, httpOnly: true, sameSite: 'Lax', raw: 'n:v:.ex.com:10:/:secure:HttpOnly:Lax' }]);
  assert.equal(f.skip, 2);
  assert.deepEqual(f.next, { maxRounds: 5 });
  assert.equal(f.type, 'text/plain');
  assert.equal(f.handler, 'h');
  assert.deepEqual(f.escapeBackrefs, { chars: '?&' });
  assert.equal(f.noEscapeChars, '/');
});

test('R= codes: non-3xx becomes a forced status, names map to codes', () => {
  const flagsOf = (f: string) => raw('RewriteRule', `^a b [${f}]`).conf.server.rules[0]!.flags;
  assert.equal(flagsOf('R').redirect, 302);
  assert.equal(flagsOf('redirect=seeother').redirect, 303);
  assert.equal(flagsOf('R=308').redirect, 308);
  assert.deepEqual([flagsOf('R=410').redirect, flagsOf('R=410').status], [undefined, 410]);
  assert.equal(flagsOf('F').status, 403);
  assert.equal(flagsOf('gone').status, 410);
  assert.equal(flagsOf('R=500').status, 500);
  assert.equal(flagsOf('Chain').chain, true);
  assert.equal(flagsOf('backrefernoplus').escapeNoPlus, true);
});

test('httpd accepts any flag starting with d; we warn', () => {
  const r = raw('RewriteRule', '^a b [DPI,dfoo,D]');
  assert.equal(r.error, undefined);
  assert.equal(r.conf.server.rules[0]!.flags.discardPathInfo, true);
  assert.equal(r.reports.length, 1);
  assert.match(r.reports[0]!.message, /unknown flag 'dfoo' is accepted by httpd/);
});

test('quoting as parseargline does it; trailing words are ignored with a warning', () => {
  const r = raw('RewriteRule', `'^a b' "c d" [L] x y`);
  assert.equal(r.error, undefined);
  const rule = r.conf.server.rules[0]!;
  assert.equal(rule.source, '^a b');
  assert.equal(rule.substitution.text, 'c d');
  assert.match(r.reports[0]!.message, /httpd ignores 'x y'/);
});

test('RewriteCond attaches to the next RewriteRule of the same scope', () => {
  const c = raw('RewriteCond', '%{HTTP:Upgrade} websocket [NC,OR]');
  raw('RewriteCond', '%{REQUEST_URI} !-f', c.conf);
  raw('RewriteCond', '%{HTTP_HOST} =""', c.conf);
  raw('RewriteCond', '%{X} -ne5', c.conf);
  raw('RewriteCond', 'expr "%{HTTP_HOST} == \'a\'"', c.conf);
  raw('RewriteRule', '^/?(.*) ws://b/$1 [P,L]', c.conf);
  const conf = c.conf.server as RewriteServerConf;
  assert.equal(conf.pendingConds.length, 0);
  const conds = conf.rules[0]!.conds;
  assert.equal(conds.length, 5);
  assert.equal(conds[0]!.pattern.kind, 'regex');
  assert.deepEqual(conds[0]!.flags, { noCase: true, orNext: true, noVary: false });
  assert.deepEqual([conds[1]!.pattern, conds[1]!.negate], [{ kind: 'file', test: 'f' }, true]);
  assert.deepEqual(conds[2]!.pattern, { kind: 'string', op: '=', value: '' });
  assert.deepEqual([conds[3]!.pattern, conds[3]!.negate], [{ kind: 'int', op: 'eq', value: '5' }, true]);
  assert.deepEqual(conds[4]!.pattern, {
    kind: 'expr',
    source: "%{HTTP_HOST} == 'a'",
    node: { k: 'str', op: '==', l: [{ k: 'var', name: 'HTTP_HOST' }], r: [{ k: 'text', v: 'a' }] },
  });
});

test('RewriteCond NC on a file test: httpd AH00665 warning, flag dropped', () => {
  const r = raw('RewriteCond', 'a -d [NC]');
  assert.equal(r.error, undefined);
  assert.equal(r.reports[0]!.message, "RewriteCond: NoCase option for non-regex pattern '-d' is not supported and will be ignored.");
  assert.equal(r.conf.server.pendingConds[0]!.flags.noCase, false);
});

test('%<HTTP:Upgrade> is read as %{HTTP:Upgrade} with a warning', () => {
  const r = raw('RewriteCond', '%<HTTP:Upgrade> websocket');
  assert.equal(r.conf.server.pendingConds[0]!.testString, '%{HTTP:Upgrade}');
  assert.match(r.reports[0]!.message, /tsproxyd's spelling of '%\{HTTP:Upgrade\}'/);
});

test('a dangling RewriteCond is reported by finish()', () => {
  const model = newModel();
  const r = run(rewriteModule, 'RewriteCond', [], { raw: 'a b', model });
  model.main.confs.set('rewrite', r.conf.server);
  const out: Diagnostic[] = [];
  rewriteModule.finish!(model, (d) => out.push(d));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.severity, 'warning');
});

test('[P] with a dynamic target warns (CVE-2024-39573)', () => {
  const r = raw('RewriteRule', '^/x(.*) $1 [P]');
  assert.equal(r.conf.server.rules[0]!.substitution.kind, 'dynamic');
  assert.match(r.reports[0]!.message, /CVE-2024-39573/);
  assert.equal(raw('RewriteRule', '^/x(.*) balancer://c/$1 [P]').reports.length, 0);
  assert.equal(raw('RewriteRule', '^/x - [F]').conf.server.rules[0]!.substitution.kind, 'none');
});

test('RewriteEngine, RewriteOptions, RewriteBase', () => {
  assert.equal(run(rewriteModule, 'RewriteEngine', ['maybe']).error, 'RewriteEngine must be On or Off');
  assert.equal(run(rewriteModule, 'RewriteEngine', ['on']).conf.server.engine, true);
  const o = run(rewriteModule, 'RewriteOptions', ['inherit', 'AllowAnyURI', 'MaxRedirects=3']);
  assert.deepEqual([...o.conf.server.options], ['Inherit', 'AllowAnyURI']);
  assert.equal(o.reports[0]!.message.startsWith('RewriteOptions: MaxRedirects option has been removed'), true);
  assert.equal(run(rewriteModule, 'RewriteOptions', ['LongURLOptimization']).error, "RewriteOptions: unknown option 'LongURLOptimization'");
  assert.equal(run(rewriteModule, 'RewriteBase', ['/x']).error, 'RewriteBase: only valid in per-directory config files');
  assert.equal(run(rewriteModule, 'RewriteBase', ['x'], { sections: LOC }).error, 'RewriteBase: argument is not a valid URL');
  assert.equal(run(rewriteModule, 'RewriteBase', ['/a'], { sections: LOC }).conf.dir?.base, '/a');
  const d = raw('RewriteRule', '^x y', undefined, LOC);
  assert.equal(d.conf.dir?.rules.length, 1);
  assert.equal(d.conf.server.rules.length, 0);
});

test('RewriteMap types and httpd\'s file checks', () => {
  const root = mkdtempSync(join(tmpdir(), 'rwmap-'));
  writeFileSync(join(root, 'map.txt'), 'a b\n');
  const map = (...args: string[]) => run(rewriteModule, 'RewriteMap', args, { serverRoot: root });
  assert.equal(map('m', 'int:foo').error, 'RewriteMap: internal map not found:foo');
  assert.equal(map('m', 'int:TOUPPER').error, 'RewriteMap: internal map not found:TOUPPER');
  assert.equal(map('m', 'txt:/nonexist').error, 'RewriteMap: file for map m not found:/nonexist');
  assert.equal(map('m', 'rnd:/nonexist').error, 'RewriteMap: file for map m not found:/nonexist');
  assert.equal(map('m', 'dbm=sdbm:/nonexist').error, 'RewriteMap: file for map m not found:/nonexist.dir');
  assert.equal(map('m', 'dbm=ndbm:/nonexist').error, 'RewriteMap: dbm type ndbm is invalid');
  assert.equal(map('m', 'dbmx').error, 'RewriteMap: bad map:dbmx');
  // Past httpd's checks, a dbm: map is refused: tsproxyd reads no Berkeley DB / GDBM files.
  assert.match(map('m', 'dbm:map.txt').error ?? '', /^RewriteMap: dbm: maps are not supported by tsproxyd \(map m: default database files cannot be read\)/);
  assert.match(map('m', 'dbm=db:map.txt').error ?? '', /map m: db database files/);
  assert.equal(map('m', 'dbd:SELECT').error, 'RewriteMap types dbd and fastdbd require mod_dbd!');
  assert.equal(map('m', 'foo:bar').error, `RewriteMap: file for map m not found:${root}/foo:bar`);
  assert.equal(map('m', 'prg:/nonexist').error, 'RewriteMap: file for map m not found:/nonexist');
  const ok = map('m', 'TXT:map.txt');
  assert.equal(ok.error, undefined);
  assert.deepEqual(ok.conf.server.maps.get('m')?.file, join(root, 'map.txt'));
  assert.equal(map('u', 'INT:toupper').conf.server.maps.get('u')?.func, 'toupper');
  const prg = map('p', 'prg:/bin/cat -u', 'www:web').conf.server.maps.get('p');
  assert.deepEqual([prg?.argv, prg?.user, prg?.group], [['/bin/cat', '-u'], 'www', 'web']);
});
