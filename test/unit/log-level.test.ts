// LogLevel filtering of the server's own log lines (src/server/log-level.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { levelFilter } from '../../src/server/log-level.js';

function written(conf: string, lines: readonly string[]): string[] {
  const r = loadConfig({ file: '/nonexistent/log-level.conf', text: conf, env: {} });
  const out: string[] = [];
  const log = levelFilter(r.model, (l) => out.push(l));
  for (const l of lines) log(l);
  return out;
}

const LINES = ['[proxy:info] tunnel-closed', '[proxy:error] connect-failed', '[core:info] 404', '[rewrite:trace3] applying', 'listening on 127.0.0.1:8080'];

test('default warn: errors and untagged lines only', () => {
  assert.deepEqual(written('ServerName x\n', LINES), ['[proxy:error] connect-failed', 'listening on 127.0.0.1:8080']);
});

test('per-module levels over the server level', () => {
  assert.deepEqual(written('ServerName x\nLogLevel error proxy:info rewrite:trace3\n', LINES), [
    '[proxy:info] tunnel-closed',
    '[proxy:error] connect-failed',
    '[rewrite:trace3] applying',
    'listening on 127.0.0.1:8080',
  ]);
});

test('LogLevel debug shows info lines of every module', () => {
  assert.equal(written('ServerName x\nLogLevel debug\n', LINES).length, 4);
});
