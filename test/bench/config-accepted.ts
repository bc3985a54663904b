// The tests both benchmark suites share: each generated proxy configuration is accepted by its own server
// (tsproxyd -t always; apache2 -t, nginx -t and haproxy -c only where installed).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { apacheModuleDir, type ConfigFiles } from '../../bench/http/configs.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function which(...names: string[]): string | undefined {
  for (const n of names) for (const d of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) if (existsSync(join(d, n))) return join(d, n);
  return undefined;
}

export function configAcceptedTests(conf: ConfigFiles): void {
  test('tsproxyd accepts the generated httpd.conf (the one apache2 runs too)', () => {
    const r = spawnSync(process.execPath, [CLI, '-t', '-f', conf.tsproxyd], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /Syntax OK/);
  });

  test('apache2 -t accepts the generated configuration', (t) => {
    const bin = which('apache2', 'httpd');
    if (!bin || !apacheModuleDir()) return t.skip('apache2 (with mod_proxy_http) not installed');
    const r = spawnSync(bin, ['-t', '-f', conf.apache2], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('nginx -t accepts the generated configuration', (t) => {
    const bin = which('nginx');
    if (!bin) return t.skip('nginx not installed');
    const r = spawnSync(bin, ['-t', '-p', conf.dir, '-e', conf.nginxErrorLog, '-c', conf.nginx], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  test('haproxy -c accepts the generated configuration', (t) => {
    const bin = which('haproxy');
    if (!bin) return t.skip('haproxy not installed');
    const r = spawnSync(bin, ['-c', '-f', conf.haproxy], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
