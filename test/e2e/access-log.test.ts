// The tsproxyd process writing access and error logs: CustomLog to files and to a piped program, env= conditions,
// keep-alive counting, a 404, a WebSocket tunnel logged when it closes, vhost logs vs the main server's, ErrorLog
// in httpd's line format, and every line on disk after SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBackend } from '../helpers/backend.js';
import { makeConfDir } from '../helpers/conf-dir.js';
import { rawExchange } from '../helpers/proxy.js';
import { startWsBackend } from '../helpers/ws-backend.js';
import { openWs, terminateAll } from '../helpers/ws-client.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const dir = makeConfDir('tsproxyd-logs-');
after(() => {
  terminateAll();
  dir.remove();
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

interface Running {
  readonly child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

async function run(file: string): Promise<Running> {
  const child = spawn(process.execPath, [CLI, '-X', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  for (let i = 0; i < 200 && !/listening on/.test(err); i++) await new Promise((r) => setTimeout(r, 25));
  assert.match(err, /listening on/, err);
  return {
    child,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

const lines = (file: string): string[] => readFileSync(file, 'latin1').split('\n').filter((l) => l !== '');

test('CustomLog: keep-alive, 404, env= conditions, escaping, piped log, tunnel line; nothing lost on SIGTERM', async () => {
  const be = await startBackend();
  const ws = await startWsBackend();
  const port = await freePort();
  const d = dir.root;
  const file = dir.write(
    'main.conf',
    `Listen 127.0.0.1:${port}
ServerName proxy.example
LogFormat "%h \\"%r\\" %>s %b %k %X %{FOO}e %v %{User-Agent}i %{Content-Type}o" test
CustomLog ${d}/access.log test
CustomLog ${d}/env.log "%U" env=FOO
CustomLog ${d}/noenv.log "%U" env=!FOO
CustomLog "|$cat >> ${d}/piped.log" "%>s %U"
ErrorLog ${d}/error.log
LogLevel info
RewriteEngine On
RewriteRule ^/app/env - [E=FOO:bar]
ProxyPass /app/ http://127.0.0.1:${be.port}/
ProxyPass /ws ws://127.0.0.1:${ws.port}/
`,
  );
  const px = await run(file);
  try {
    // Two requests on one connection (keep-alive, then Connection: close).
    const r = await rawExchange(
      port,
      'GET /app/a?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: ua "1"\r\n\r\nGET /app/env HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n',
    );
    assert.equal(r.text.match(/HTTP\/1\.1 200/g)?.length, 2, r.text);
    await rawExchange(port, 'GET /nothing HTTP/1.0\r\n\r\n');
    const { ws: client } = await openWs(`ws://127.0.0.1:${port}/ws`);
    await new Promise<void>((resolve) => {
      client.once('message', () => resolve());
      client.send('hello');
    });
    client.close();
    await new Promise((r) => client.once('close', r));
    await new Promise((r) => setTimeout(r, 100)); // the proxy sees the close
  } finally {
    assert.equal(await px.stop(), 0, px.stderr());
    await be.close();
    await ws.close();
  }
  const access = lines(`${d}/access.log`);
  assert.deepEqual(access, [
    '127.0.0.1 "GET /app/a?x=1 HTTP/1.1" 200 2 0 + - proxy.example ua \\"1\\" text/plain',
    '127.0.0.1 "GET /app/env HTTP/1.1" 200 2 1 - bar proxy.example - text/plain',
    '127.0.0.1 "GET /nothing HTTP/1.0" 404 ' + access[2]!.split(' ')[5] + ' 0 - - proxy.example - text/html',
    '127.0.0.1 "GET /ws HTTP/1.1" 101 - 0 - - proxy.example - -',
  ]);
  assert.match(access[2]!, / 404 \d+ /); // the error page's length
  assert.deepEqual(lines(`${d}/env.log`), ['/app/env']);
  assert.deepEqual(lines(`${d}/noenv.log`), ['/app/a', '/nothing', '/ws']);
  assert.deepEqual(lines(`${d}/piped.log`), ['200 /app/a', '200 /app/env', '404 /nothing', '101 /ws']);
  const errors = lines(`${d}/error.log`);
  assert.ok(errors.some((l) => /^\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[core:info\] \[pid \d+:tid \d+\] 404 GET \/nothing: /.test(l)), errors.join('\n'));
  assert.ok(errors.some((l) => /\[proxy:info\] \[pid \d+:tid \d+\] tunnel-closed ws:\/\/127\.0\.0\.1:\d+\/ /.test(l)), errors.join('\n'));
  assert.doesNotMatch(px.stderr(), /\[core:info\]/); // the error log went to its file
});

test('vhost logs: a vhost with its own CustomLog writes only there (+ GlobalLog); one without writes the main server\'s', async () => {
  const be = await startBackend();
  const port = await freePort();
  const d = dir.root;
  const file = dir.write(
    'vhosts.conf',
    `Listen 127.0.0.1:${port}
ServerName main.example
CustomLog ${d}/v-main.log "main %v %>s %U"
GlobalLog ${d}/v-global.log "global %v %U"
ProxyPass /app/ http://127.0.0.1:${be.port}/
<VirtualHost *:${port}>
  ServerName a.example
  CustomLog ${d}/v-a.log "a %v %V %>s %U"
</VirtualHost>
<VirtualHost *:${port}>
  ServerName b.example
</VirtualHost>
`,
  );
  const px = await run(file);
  try {
    await rawExchange(port, 'GET /app/1 HTTP/1.1\r\nHost: A.Example:99\r\nConnection: close\r\n\r\n');
    await rawExchange(port, 'GET /app/2 HTTP/1.1\r\nHost: b.example\r\nConnection: close\r\n\r\n');
    await rawExchange(port, 'GET /app/3 HTTP/1.1\r\nHost: a..bad\r\nConnection: close\r\n\r\n'); // 400: the default vhost (a)
  } finally {
    assert.equal(await px.stop(), 0, px.stderr());
    await be.close();
  }
  assert.deepEqual(lines(`${d}/v-a.log`), ['a a.example a.example 200 /app/1', 'a a.example a.example 400 /app/3']);
  assert.deepEqual(lines(`${d}/v-main.log`), ['main b.example 200 /app/2']);
  assert.deepEqual(lines(`${d}/v-global.log`), ['global a.example /app/1', 'global b.example /app/2', 'global a.example /app/3']);
});

test('%{BALANCER_WORKER_NAME}e and %{BALANCER_NAME}e name the member that served a balancer:// request', async () => {
  const be = await startBackend();
  const port = await freePort();
  const d = dir.root;
  const file = dir.write(
    'balancer.conf',
    `Listen 127.0.0.1:${port}
ServerName main.example
CustomLog ${d}/bal.log "%U %{BALANCER_NAME}e %{BALANCER_WORKER_NAME}e %>s"
<Proxy balancer://cl>
  BalancerMember http://127.0.0.1:${be.port}
</Proxy>
ProxyPass /bal/ balancer://cl/
ProxyPass /app/ http://127.0.0.1:${be.port}/
`,
  );
  const px = await run(file);
  try {
    await rawExchange(port, 'GET /bal/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await rawExchange(port, 'GET /app/y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
  } finally {
    assert.equal(await px.stop(), 0, px.stderr());
    await be.close();
  }
  assert.deepEqual(lines(`${d}/bal.log`), [`/bal/x balancer://cl http://127.0.0.1:${be.port} 200`, '/app/y - - 200']);
});

test('a CustomLog whose directory is missing stops the start, as in httpd', async () => {
  const port = await freePort();
  const file = dir.write('bad.conf', `Listen 127.0.0.1:${port}\nServerName x\nCustomLog ${dir.root}/nope/a.log common\n`);
  const child = spawn(process.execPath, [CLI, '-X', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 1);
  assert.match(err, /Cannot access directory '.*\/nope\/' for log file/);
});
