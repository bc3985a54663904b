// The outside programs a benchmark compares against (apache2, nginx, haproxy, wrk): finding them, their versions,
// and BENCH_INSTALL=1's apt-get install of the missing ones. Shared by bench/http and bench/ws.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A line nobody scrolls past: a skipped comparison, a failed install. */
export const loud = (s: string) =>
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! ${s}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);

export function findOnPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** $envName when set (undefined if that file is missing), else the first of names on PATH or in the sbin dirs. */
export function findTool(envName: string, names: readonly string[]): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const n of names) {
    const p = findOnPath(n);
    if (p) return p;
  }
  return undefined;
}

export interface Peers {
  nginx?: string;
  haproxy?: string;
  apache2?: string;
}

/** The reverse proxies compared against: NGINX_BIN, HAPROXY_BIN, APACHE_BIN or the usual names. */
export function findPeers(): Peers {
  return {
    nginx: findTool('NGINX_BIN', ['nginx']),
    haproxy: findTool('HAPROXY_BIN', ['haproxy']),
    apache2: findTool('APACHE_BIN', ['apache2', 'httpd']),
  };
}

/** BENCH_INSTALL=1: apt-get install pkgs, with services kept from starting (policy-rc.d) while it runs. */
export function aptInstall(pkgs: readonly string[], tag: string): void {
  if (pkgs.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    loud(`BENCH_INSTALL=1 needs root to apt-get install ${pkgs.join(' ')}: skipping the install`);
    return;
  }
  if (!findOnPath('apt-get')) {
    loud(`BENCH_INSTALL=1: no apt-get here; install ${pkgs.join(' ')} yourself`);
    return;
  }
  process.stderr.write(`${tag}: BENCH_INSTALL=1: apt-get install -y ${pkgs.join(' ')}\n`);
  const policy = '/usr/sbin/policy-rc.d';
  const madePolicy = !existsSync(policy);
  if (madePolicy) writeFileSync(policy, '#!/bin/sh\n# tsproxyd bench: keep freshly installed services from starting\nexit 101\n', { mode: 0o755 });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    const inst = () => spawnSync('apt-get', ['install', '-y', '-q', ...pkgs], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000 });
    if (inst().status !== 0) {
      spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
      if (inst().status !== 0) loud(`apt-get install -y ${pkgs.join(' ')} FAILED`);
    }
  } finally {
    if (madePolicy) rmSync(policy, { force: true });
  }
}

/** The missing peers' Debian packages. */
export function missingPeerPackages(p: Peers): string[] {
  return [!p.nginx && 'nginx', !p.haproxy && 'haproxy', !p.apache2 && 'apache2'].filter((x): x is string => !!x);
}

export function version(bin: string | undefined, args: string[], re: RegExp): string | undefined {
  if (!bin) return undefined;
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return ((r.stdout ?? '') + (r.stderr ?? '')).match(re)?.[0];
}

/** Versions of the installed peers, for the report. */
export function peerVersions(p: Peers): { apache2?: string; nginx?: string; haproxy?: string } {
  return {
    apache2: version(p.apache2, ['-v'], /Apache\/[\d.]+/),
    nginx: version(p.nginx, ['-v'], /nginx\/[\d.]+/),
    haproxy: version(p.haproxy, ['-v'], /HAProxy version [\d.]+/),
  };
}

/** Each peer that is wanted but not installed: a loud line, and an entry for the report's "skipped". */
export function reportMissingPeers(p: Peers, wanted: (name: string) => boolean): { target: string; reason: string }[] {
  const skipped: { target: string; reason: string }[] = [];
  for (const [name, bin] of [['apache2', p.apache2], ['nginx', p.nginx], ['haproxy', p.haproxy]] as const) {
    if (!bin && wanted(name)) {
      skipped.push({ target: name, reason: 'not installed' });
      loud(`${name} NOT FOUND: skipping it, NO COMPARISON with ${name}. Run with BENCH_INSTALL=1 or apt-get install -y ${name}.`);
    }
  }
  return skipped;
}

/** A number from the environment, or dflt when unset; anything below min is an error. */
export function envNum(name: string, dflt: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, not '${raw}'`);
  return n;
}

/** A comma-separated list from the environment (BENCH_TARGETS, BENCH_SCENARIOS); empty when unset. */
export function envList(name: string): string[] {
  return (process.env[name] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
}
