// Log sinks (src/log/sink.ts): files appended without blocking, a bounded queue that drops and reports, log
// rotation by reopen(), piped loggers restarted when they die, close() resolving once everything is written.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSink, PipeSink } from '../../src/log/sink.js';
import { openAccessLogs } from '../../src/log/access-log.js';
import { openErrorLog } from '../../src/log/error-log.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsproxyd-sink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('file: lines are appended in order; close() resolves when all are on disk', async (t) => {
  const file = join(tmp(t), 'a.log');
  const sink = new FileSink(file, { report: () => assert.fail('nothing to report') });
  for (let i = 0; i < 1000; i++) sink.write(`line ${i}\n`);
  await sink.close();
  const lines = readFileSync(file, 'latin1').split('\n');
  assert.equal(lines.length, 1001);
  assert.equal(lines[999], 'line 999');
  assert.equal(sink.dropped, 0);
});

test('file: a missing directory is an error at open, not at the first request', (t) => {
  assert.throws(() => new FileSink(join(tmp(t), 'no', 'such', 'a.log'), { report: () => undefined }), /ENOENT/);
});

test('bounded queue: beyond maxQueuedBytes lines are dropped, counted and reported, never buffered', async (t) => {
  const file = join(tmp(t), 'slow.log');
  const reports: string[] = [];
  const sink = new FileSink(file, { report: (l) => reports.push(l), maxQueuedBytes: 1000 });
  const line = `${'x'.repeat(99)}\n`; // 100 bytes
  for (let i = 0; i < 50; i++) sink.write(line); // in one tick: the stream has not written anything yet
  assert.ok(sink.dropped >= 40, `dropped ${sink.dropped}`);
  await sink.close();
  const written = readFileSync(file, 'latin1').length / 100;
  assert.equal(written + sink.dropped, 50);
  assert.equal(reports.length, 1);
  assert.match(reports[0]!, new RegExp(`^\\[log_config:error\\] .*slow\\.log: ${sink.dropped} log line\\(s\\) dropped`));
});

test('reopen(): after the file is renamed (rotation), new lines go to a new file at the same path', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'r.log');
  const sink = new FileSink(file, { report: () => undefined });
  sink.write('before\n');
  await new Promise((r) => setTimeout(r, 50));
  renameSync(file, `${file}.1`);
  sink.write('still old\n'); // before reopen: the old file (as with httpd until its graceful restart)
  await sink.reopen();
  sink.write('after\n');
  await sink.close();
  assert.equal(readFileSync(`${file}.1`, 'latin1'), 'before\nstill old\n');
  assert.equal(readFileSync(file, 'latin1'), 'after\n');
});

test('pipe "|$cmd": through /bin/sh; close() waits for the program to exit', async (t) => {
  const file = join(tmp(t), 'p.log');
  const sink = new PipeSink(`cat >> '${file}'`, true, { report: (l) => assert.fail(l) });
  sink.write('one\n');
  sink.write('two\n');
  await sink.close();
  assert.equal(readFileSync(file, 'latin1'), 'one\ntwo\n');
});

test('pipe "|prog args": run directly, arguments split as httpd does', async (t) => {
  const file = join(tmp(t), 'd.log');
  const sink = new PipeSink(`/usr/bin/tee -a ${file}`, false, { report: (l) => assert.fail(l) });
  sink.write('direct\n');
  await sink.close();
  assert.equal(readFileSync(file, 'latin1'), 'direct\n');
});

test('pipe "|prog": a program that does not exist is an error at open (httpd: AH00104, no start)', () => {
  assert.throws(() => new PipeSink('/nonexistent/logger -x', false, { report: () => undefined }), /not found or not executable/);
  const opened = openAccessLogs(
    [{ access: [{ key: 'pipe:exec:/nonexistent/logger', target: { kind: 'pipe', command: '/nonexistent/logger', shell: false }, format: () => '', loc: { file: 'x.conf', line: 3, col: 1 } }], serverPort: undefined, useCanonicalName: false }],
    { report: () => undefined },
  );
  assert.equal(opened.ok, false);
  assert.match(!opened.ok ? opened.error : '', /^AH00104: unable to start piped log program '\/nonexistent\/logger' \(x\.conf:3\): /);
});

test('pipe: a logger that does not read never blocks the writer: lines queue (bounded), close() ends it', async () => {
  const reports: string[] = [];
  const sink = new PipeSink('sleep 30', true, { report: (l) => reports.push(l), maxQueuedBytes: 4 * 1024 * 1024, pipeCloseGraceMs: 200 });
  const line = `${'y'.repeat(1023)}\n`;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 6000; i++) sink.write(line); // 6 MiB into a pipe nobody reads (64 KiB kernel buffer)
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 500, `writing took ${ms} ms`);
  // Over the 4 MiB cap (what the kernel's pipe buffer took, up to ~256 lines, is not in the queue).
  assert.ok(sink.dropped >= 6000 - 4 * 1024 - 256 && sink.dropped <= 6000 - 4 * 1024, `dropped ${sink.dropped}`);
  const c0 = Date.now();
  await sink.close(); // sleep never reads: stopped after the grace, and said so
  assert.ok(Date.now() - c0 < 3000);
  assert.ok(reports.some((r) => /^\[core:warn\] piped log program 'sleep 30' still running 200 ms after the end of its input \(\d+ bytes not taken\): stopped$/.test(r)), reports.join('\n'));
  assert.ok(reports.some((r) => /^\[log_config:error\] \|sleep 30: \d+ log line\(s\) dropped/.test(r)), reports.join('\n'));
});

test('pipe: a logger that dies is restarted and gets the lines queued meanwhile', async (t) => {
  const file = join(tmp(t), 'restart.log');
  const reports: string[] = [];
  // Reads one line, then exits: every line after the first needs a new process.
  const sink = new PipeSink(`head -n 1 >> '${file}'`, true, { report: (l) => reports.push(l) });
  sink.write('first\n');
  await until(() => reports.length === 1);
  assert.match(reports[0]!, /^\[core:error\] AH00106: piped log program 'head -n 1 >> .*' failed unexpectedly \(exit 0\); restarting$/);
  sink.write('second\n'); // queued while no program runs
  await until(() => readFileSync(file, 'latin1').includes('second'));
  assert.equal(readFileSync(file, 'latin1'), 'first\nsecond\n');
  await sink.close();
});

test('openAccessLogs: one sink per target however many servers name it; env= conditions', async (t) => {
  const file = join(tmp(t), 'shared.log');
  const target = { kind: 'file', path: file } as const;
  const loc = { file: 'x.conf', line: 1, col: 1 };
  const spec = (name: string, condition?: { kind: 'env'; name: string; negate: boolean }) => ({
    key: `file:${file}`,
    target,
    format: () => name,
    loc,
    ...(condition ? { condition } : {}),
  });
  const a = { access: [spec('a'), spec('a-if-x', { kind: 'env', name: 'X', negate: false })], serverPort: undefined, useCanonicalName: false };
  const b = { access: [spec('b-unless-x', { kind: 'env', name: 'X', negate: true })], serverPort: undefined, useCanonicalName: false };
  const opened = openAccessLogs([a, b], { report: () => undefined });
  assert.ok(opened.ok);
  const rec = (env: Map<string, string>) => ({ env }) as never;
  opened.logs.log(rec(new Map([['X', '']])), a);
  opened.logs.log(rec(new Map()), a);
  opened.logs.log(rec(new Map([['X', '1']])), b);
  opened.logs.log(rec(new Map()), b);
  await opened.logs.close();
  assert.equal(readFileSync(file, 'latin1'), 'a\na-if-x\na\nb-unless-x\n');
});

test('openErrorLog: a file that cannot be opened is an error value; without ErrorLog lines go to stderr', async (t) => {
  const bad = openErrorLog({ kind: 'file', path: join(tmp(t), 'missing', 'error.log') });
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : '', /^AH00091: could not open error log file .*missing\/error\.log: ENOENT/);
  const chunks: string[] = [];
  const stderr = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  const ok = openErrorLog(undefined, stderr as never);
  assert.ok(ok.ok);
  ok.log.write('[proxy:error] AH00959: x');
  assert.match(chunks[0]!, /^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[proxy:error\] \[pid \d+:tid \d+\] AH00959: x\n$/);
});
