// The pieces of `npm run bench:http` that can be checked without a load: /proc accounting, wrk's script and output,
// and that every generated proxy configuration is accepted by its server (each one only where it is installed).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeBalancerConf, writeConfigs } from '../../bench/http/configs.js';
import { parseStat, treeCpuSeconds, treeSize } from '../../bench/http/procstat.js';
import { parseWrkOutput, wrkScript } from '../../bench/http/wrk.js';
import { configAcceptedTests } from './config-accepted.js';

const dir = mkdtempSync(join(tmpdir(), 'tsproxyd-bench-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const conf = writeConfigs(join(dir, 'conf'), { backend: 39001, tsproxyd: 39002, nodeHttpProxy: 39003, apache2: 39004, nginx: 39005, haproxy: 39006 });

test('parseStat reads pid, ppid and utime+stime+cutime+cstime, whatever the command name holds', () => {
  const line = '4242 (we (ird) name) S 17 4242 4242 0 -1 4194560 1000 0 0 0 250 50 7 3 20 0 11 0 12345 1000000 2000 18446744073709551615';
  assert.deepEqual(parseStat(line), { pid: 4242, ppid: 17, ticks: 250 + 50 + 7 + 3 });
  assert.equal(parseStat('garbage'), undefined);
});

test('treeCpuSeconds counts this process, and grows as it burns CPU', () => {
  const before = treeCpuSeconds(process.pid);
  const until = Date.now() + 150;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const after = treeCpuSeconds(process.pid);
  assert.ok(Number.isFinite(before) && after > before, `${before} -> ${after}`);
  assert.ok(treeSize(process.pid) >= 1);
  assert.ok(Number.isNaN(treeCpuSeconds(2 ** 22 + 7)), 'a pid that does not exist');
});

test('the wrk script reports through done() and sets the 1 MiB POST body', () => {
  const get = wrkScript({});
  assert.match(get, /^done = function\(summary, latency, requests\)$/m);
  assert.doesNotMatch(get, /wrk\.method/);
  const post = wrkScript({ postBytes: 1 << 20 });
  assert.match(post, /wrk\.method = "POST"/);
  assert.match(post, /wrk\.body = string\.rep\("x", 1048576\)/);
  const out = 'Running 5s test\nWRKJSON {"requests":100,"bytes":2000,"durationUs":5000000,"errors":{"connect":0,"read":1,"write":0,"status":0,"timeout":0},"latencyUs":{"p50":500,"p90":900,"p99":1500,"max":3000,"mean":550.5}}\n';
  assert.deepEqual(parseWrkOutput(out)?.latencyUs, { p50: 500, p90: 900, p99: 1500, max: 3000, mean: 550.5 });
  assert.equal(parseWrkOutput('no result line'), undefined);
});

configAcceptedTests(conf);

test('tsproxyd accepts the balancer target\'s file: 4 members on the backend, every path through them', () => {
  const file = writeBalancerConf(conf.dir, 39007, 39001);
  assert.equal(readFileSync(file, 'utf8').match(/^ *BalancerMember "http:\/\/127\.0\.0\.1:39001" route=m\d$/gm)?.length, 4);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../src/cli/main.js', import.meta.url)), '-t', '-f', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /Syntax OK/);
});
