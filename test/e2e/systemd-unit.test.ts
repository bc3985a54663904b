// conf/tsproxyd.service, run the way systemd runs it: its ExecStartPre check, its ExecStart in the foreground, its
// ExecReload signal (a graceful reload, then a bad file refused while the old configuration keeps serving) and its
// KillSignal (a graceful stop that exits 0 well within TimeoutStopSec). Paths are pointed at this checkout.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeConfDir, type ConfDir } from '../helpers/conf-dir.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const UNIT = join(REPO, 'conf', 'tsproxyd.service');

/** The [Service] section's settings (the last value of a key wins, as systemd's do for these). */
function serviceSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1]!;
    else if (section === 'Service') {
      const eq = line.indexOf('=');
      out.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      })
      .on('error', fail);
  });
}

describe('conf/tsproxyd.service', () => {
  const unit = serviceSettings(readFileSync(UNIT, 'utf8'));
  let dir: ConfDir;
  let backend: http.Server;
  let backendPort = 0;
  let port = 0;
  let conf = '';
  /** A unit command line with this checkout's paths: node, the install directory, the configuration file. */
  const argv = (key: string): string[] =>
    unit
      .get(key)!
      .split(/\s+/)
      .map((w) => w.replace(/^\/usr\/bin\/node$/, process.execPath).replace(/^\/opt\/tsproxyd\//, `${REPO}/`).replace(/^\/etc\/tsproxyd\/httpd\.conf$/, conf));

  /** ExecStart as systemd runs it; `stderr()` is what it wrote so far. */
  const startUnit = () => {
    const [cmd, ...args] = argv('ExecStart');
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { child, exited, stderr: () => text };
  };

  before(async () => {
    dir = makeConfDir();
    backend = http.createServer((req, res) => res.end(`backend ${req.url}`));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as AddressInfo).port;
    port = await freePort();
    conf = dir.write('httpd.conf', `Listen 127.0.0.1:${port}\nServerName localhost\nWorkerProcesses 2\nProxyPass /a/ http://127.0.0.1:${backendPort}/a/\n`);
  });

  after(() => {
    backend?.close();
    dir?.remove();
  });

  test('a reload right after start (systemctl start, then reload) does not kill it', async () => {
    dir.write('httpd.conf', `Listen 127.0.0.1:${port}\nServerName localhost\nWorkerProcesses 2\nProxyPass /a/ http://127.0.0.1:${backendPort}/a/\n`);
    const { child, exited, stderr } = startUnit();
    try {
      // SIGHUPs while the workers start and while they listen: none may kill anything. (Node's own start-up, the
      // first ~50 ms, cannot catch a signal: systemd's reload comes after ExecStart's process is running.)
      await sleep(400);
      for (let i = 0; i < 20; i++) {
        if (child.exitCode !== null) break;
        child.kill('SIGHUP');
        await sleep(20);
      }
      for (let i = 0; i < 200 && (stderr().match(/listening on/g) ?? []).length < 2; i++) await sleep(25);
      await sleep(300);
      assert.deepEqual([child.exitCode, child.signalCode], [null, null], stderr());
      assert.deepEqual(await get(port, '/a/x'), { status: 200, body: 'backend /a/x' });
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr());
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('the unit runs tsproxyd in the foreground, reloads on its ExecReload signal and stops gracefully', async () => {
    assert.equal(unit.get('Type'), 'simple', 'tsproxyd does not fork into the background');
    assert.equal(unit.get('ExecReload'), '/bin/kill -HUP $MAINPID');
    assert.equal(unit.get('KillSignal'), 'SIGTERM');
    const stopSec = Number(unit.get('TimeoutStopSec'));
    assert.ok(stopSec > 10, 'TimeoutStopSec leaves room for the default 10 s drain');

    const [checkCmd, ...checkArgs] = argv('ExecStartPre');
    const check = spawnSync(checkCmd!, checkArgs, { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout + check.stderr, /Syntax OK/);

    const { child, exited, stderr } = startUnit();
    try {
      const count = (re: RegExp) => (stderr().match(re) ?? []).length;
      for (let i = 0; i < 200 && count(/listening on/g) < 2; i++) await sleep(25);
      assert.match(stderr(), /listening on 127\.0\.0\.1:/);
      assert.deepEqual(await get(port, '/a/x'), { status: 200, body: 'backend /a/x' });
      assert.equal((await get(port, '/b/x')).status, 404);

      // systemctl reload: the new file's routes are served...
      dir.write('httpd.conf', `Listen 127.0.0.1:${port}\nServerName localhost\nWorkerProcesses 2\nProxyPass /b/ http://127.0.0.1:${backendPort}/b/\n`);
      child.kill('SIGHUP');
      for (let i = 0; i < 200 && count(/reloaded: listening on/g) < 2; i++) await sleep(25); // both workers
      assert.deepEqual(await get(port, '/b/x'), { status: 200, body: 'backend /b/x' });
      // ...and a broken one is refused while the previous configuration keeps serving.
      dir.write('httpd.conf', `Listen 127.0.0.1:${port}\nProxyPasss / http://127.0.0.1:${backendPort}/\n`);
      child.kill('SIGHUP');
      for (let i = 0; i < 200 && !/reload refused/.test(stderr()); i++) await sleep(25);
      assert.match(stderr(), /reload refused/);
      assert.deepEqual(await get(port, '/b/y'), { status: 200, body: 'backend /b/y' });

      // systemctl stop: SIGTERM, exit 0 well within TimeoutStopSec.
      const t0 = Date.now();
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(Date.now() - t0 < stopSec * 1000);
    } catch (err) {
      (err as Error).message += `\n--- tsproxyd's stderr:\n${stderr()}`;
      throw err;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
