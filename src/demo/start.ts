#!/usr/bin/env node
// `npm start`: the demo app (src/demo/backend.ts) on 127.0.0.1:3000, then tsproxyd in front of it exactly as a
// user runs it (`tsproxyd -f conf/httpd.conf`, a child process), then the URL to open and commands to try.
// SIGINT/SIGTERM stop both: the app first (its WebSockets close, so tunnels through tsproxyd end at once), and
// tsproxyd is sent SIGTERM; the exit status is tsproxyd's.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoBackend, type DemoBackend } from './backend.js';

/** Where conf/httpd.conf sends requests (its ProxyPass lines). */
const APP_HOST = '127.0.0.1';
const APP_PORT = 3000;
const CONF = fileURLToPath(new URL('../../../conf/httpd.conf', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** "127.0.0.1:8080", "*:8080", "[::1]:8080" (tsproxyd's "listening on" line) → a URL a browser can open. */
function urlOf(address: string): string {
  return `http://${address.replace(/^\*:/, '127.0.0.1:')}/`;
}

function banner(url: string): string {
  const ws = url.replace(/^http/, 'ws') + 'ws/';
  return [
    '',
    `tsproxyd demo: open ${url}`,
    `  tsproxyd (conf/httpd.conf) proxies to the demo app on ${APP_HOST}:${APP_PORT}: a page, /headers, and a WebSocket chat under /ws/.`,
    '  Try:',
    `    curl -i ${url}`,
    `    curl -s ${url}headers          # what the app received: X-Forwarded-For, X-Real-IP …`,
    `    node -e "const ws = new (require('ws'))('${ws}'); ws.on('message', (m) => console.log(String(m))); ws.on('open', () => ws.send('hello')); setTimeout(() => ws.close(), 1000)"`,
    '  Ctrl-C stops both.',
    '',
  ].join('\n');
}

async function startApp(): Promise<DemoBackend | undefined> {
  try {
    return await startDemoBackend(APP_HOST, APP_PORT);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? `${APP_HOST}:${APP_PORT} is already in use, so the demo app cannot listen there. Stop what runs there, or put tsproxyd in front of it without the demo: npx tsproxyd -f conf/httpd.conf`
        : `cannot start the demo app on ${APP_HOST}:${APP_PORT}: ${e.message}`;
    process.stderr.write(`tsproxyd demo: ${why}\n`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const app = await startApp();
  if (app === undefined) return 1;
  const proxy = spawn(process.execPath, [CLI, '-f', CONF], { stdio: ['ignore', 'inherit', 'pipe'] });
  // tsproxyd's messages pass through; the banner follows its first "listening on" line.
  let said = '';
  let announced = false;
  proxy.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (announced) return;
    said += chunk.toString();
    const listening = /listening on (\S+)/.exec(said);
    if (listening === null) return;
    announced = true;
    process.stdout.write(banner(urlOf(listening[1]!)));
  });
  // Ctrl-C also reaches tsproxyd itself (the terminal signals the whole process group): the SIGTERM after its
  // SIGINT makes it stop at once instead of draining, which is what a demo wants.
  const stop = (): void => {
    void app.close();
    proxy.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number>((resolve) => {
    proxy.once('error', (err) => {
      process.stderr.write(`tsproxyd demo: cannot run tsproxyd: ${err.message}\n`);
      resolve(1);
    });
    proxy.once('exit', (status) => resolve(status ?? 1));
  });
  await app.close();
  if (!announced) process.stderr.write(`tsproxyd demo: tsproxyd did not start (see above), so the demo app stopped too\n`);
  return code;
}

process.exitCode = await main();
