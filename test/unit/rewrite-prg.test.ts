// RewriteMap prg: (src/rewrite/prg.ts): one program per map, one line in and one line out, lookups serialised, NULL
// is not-found, a dead program gives an empty value and is started again; route() re-run with the answers. The
// answers' shapes were checked against apache2 2.4.71 (test/conformance/request-cases/rw-map-prg).
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import type { RewriteMapDef } from '../../src/modules/rewrite/model.js';
import { planPrograms, PrgAnswers, PrgProgram, PrgPrograms } from '../../src/rewrite/prg.js';
import { route } from '../../src/route/route.js';
import type { Decision, RequestFacts } from '../../src/route/types.js';
import { makeConfDir } from '../helpers/conf-dir.js';
import { factsOf, planOf } from '../helpers/rewrite.js';

const LOC = { file: 'x.conf', line: 1, col: 1 };
const dir = makeConfDir('tsproxyd-prg-');
// Each key gets one line; "none" → NULL, "empty" → an empty line, "die" → exit, "slow" → no answer, "pid" → its pid.
const script = dir.write(
  'map.sh',
  `while IFS= read -r k; do
  case "$k" in
    none) echo NULL;;
    lnull) echo null;;
    empty) echo;;
    die) exit 3;;
    slow) sleep 1; echo late;;
    pid) echo $$;;
    pwd) pwd -P;;
    *) echo "v-$k";;
  esac
done
`,
);
const def = (name = 'm'): RewriteMapDef => ({ name, type: 'prg', file: '/bin/sh', argv: ['/bin/sh', script], loc: LOC });
const logs: string[] = [];
const open: PrgProgram[] = [];
function program(options = {}): PrgProgram {
  const p = new PrgProgram(def(), (l) => logs.push(l), options);
  open.push(p);
  p.start();
  return p;
}
after(async () => {
  await Promise.all(open.map((p) => p.close()));
  dir.remove();
});

describe('PrgProgram', () => {
  test('one line per key; NULL in any case fails; an empty line is an empty value; run in its own directory', async () => {
    const p = program();
    assert.equal(await p.lookup('abc'), 'v-abc');
    assert.equal(await p.lookup('none'), null);
    assert.equal(await p.lookup('lnull'), null);
    assert.equal(await p.lookup('empty'), '');
    assert.equal(await p.lookup('pwd'), realpathSync('/bin'), "the directory of argv[0] (/bin/sh)");
    assert.equal(await p.lookup('a\nb'), null, 'a key with a newline is never sent');
    assert.equal(await p.lookup('after'), 'v-after', 'the pipe stays in step');
  });

  test('concurrent lookups are serialised: each gets its own answer', async () => {
    const p = program();
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    assert.deepEqual(await Promise.all(keys.map((k) => p.lookup(k))), keys.map((k) => `v-${k}`));
  });

  test('a program that exits gives an empty value, then is started again', async () => {
    const p = program({ restartDelayMs: 50 });
    const pid1 = await p.lookup('pid');
    assert.equal(await p.lookup('die'), '');
    assert.equal(p.starts, 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.running, true);
    assert.equal(p.starts, 2);
    const pid2 = await p.lookup('pid');
    assert.notEqual(pid2, pid1);
    assert.equal(await p.lookup('x'), 'v-x');
    assert.ok(logs.some((l) => /exited \(status 3\); restarting it/.test(l)));
  });

  test('no answer within the timeout: the lookup fails and the program is restarted', async () => {
    const p = program({ timeoutMs: 150, restartDelayMs: 0 });
    assert.equal(await p.lookup('slow'), null);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await p.lookup('y'), 'v-y', 'the late answer is not taken for the next key');
    assert.equal(p.starts, 2);
  });

  test('close() stops the program; later lookups fail', async () => {
    const p = program();
    assert.equal(await p.lookup('q'), 'v-q');
    await p.close();
    assert.equal(p.running, false);
    assert.equal(await p.lookup('q'), null);
  });
});

describe('PrgAnswers', () => {
  test('records only the first unanswered lookup; exhausted fails the rest', () => {
    const a = new PrgAnswers();
    const d = def();
    assert.equal(a.answer(d, 'x'), undefined);
    assert.equal(a.answer(d, 'y'), undefined);
    assert.deepEqual(a.wanted, { def: d, key: 'x' });
    a.set(d, 'x', 'X');
    assert.equal(a.answer(d, 'x'), 'X');
    a.exhausted = true;
    assert.equal(a.answer(d, 'z'), null);
  });
});

describe('route() with programs', () => {
  const conf = `ServerName localhost
RewriteEngine on
RewriteMap m "prg:/bin/sh ${script}"
RewriteMap other "prg:/bin/sh ${script}"
ProxyPass /b/ http://127.0.0.1:9/b/
RewriteCond \${m:%{HTTP:X-Key}|nokey} ^v-(.*)
RewriteRule ^/c$ /b/cond/%1 [PT]
RewriteRule ^/u/(.*) /b/\${m:$1|dflt}/\${other:$1-2|d2} [PT]
RewriteRule ^/e/(.*) /b/e\${m:$1|dflt}x [PT]
`;
  const plan = planOf(conf);
  const programs = new PrgPrograms(planPrograms(plan), (l) => logs.push(l));
  after(() => programs.close());
  const routeOne = (f: RequestFacts) => route(plan, f);
  const path = (d: Decision) => (d.kind === 'forward' ? d.path : `${d.status}`);

  test('the plan names both programs; nothing runs before start()', () => {
    assert.equal(programs.size, 2);
    assert.deepEqual(planPrograms(plan).map((d) => d.name).sort(), ['m', 'other']);
  });

  test('a request without program lookups is routed synchronously', () => {
    programs.start();
    const d = programs.route(routeOne, factsOf({ target: '/b/x' }));
    assert.ok(!(d instanceof Promise));
    assert.equal(path(d), '/b/x');
  });

  test('lookups in the order the rules make them, the defaults where the program says NULL', async () => {
    assert.equal(path(await programs.route(routeOne, factsOf({ target: '/u/abc' }))), '/b/v-abc/v-abc-2');
    assert.equal(path(await programs.route(routeOne, factsOf({ target: '/u/none' }))), '/b/dflt/v-none-2');
    assert.equal(path(await programs.route(routeOne, factsOf({ target: '/e/empty' }))), '/b/ex');
    assert.equal(path(await programs.route(routeOne, factsOf({ target: '/c', headers: { 'X-Key': 'q' } }))), '/b/cond/q');
    assert.equal(path(await programs.route(routeOne, factsOf({ target: '/c', headers: { 'X-Key': 'none' } }))), '404');
  });

  test('without programs (route() alone), a prg: lookup fails and the default applies', () => {
    assert.equal(path(route(plan, factsOf({ target: '/u/abc' }))), '/b/dflt/d2');
  });
});
