// apache2 serving a rendered config in the foreground: `apache2 -X -f FILE` (one process, no detach; the MPM
// still has to be loaded, the ServerRoot needs logs/). -X keeps everything in one process, so per-worker state
// such as a backend's retry= error window is the same for every request of a case.
import { readFile } from 'node:fs/promises';
import type { ApacheInstall } from './apache.js';
import { cleanEnv } from './proc.js';
import { ServerProcess } from './server-process.js';

export interface ServeOptions {
  /** Extra command-line arguments (-D NAME pairs), the same for both servers. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The ports the config listens on. */
  readonly ports: readonly number[];
  /** Where the server's error log is, to explain a failed start. */
  readonly errorLog?: string;
  readonly timeoutMs?: number;
}

async function tail(file: string | undefined, lines = 15): Promise<string> {
  if (file === undefined) return '';
  const text = await readFile(file, 'utf8').catch(() => '');
  if (!text) return '';
  return `  ${file} (last lines):\n` + text.trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n');
}

export function startApache(install: ApacheInstall, configFile: string, opts: ServeOptions): Promise<ServerProcess> {
  return ServerProcess.start('apache2', {
    file: install.bin,
    args: ['-X', '-f', configFile, ...(opts.args ?? [])],
    env: cleanEnv(opts.env),
    ports: opts.ports,
    timeoutMs: opts.timeoutMs ?? 10_000,
    explain: () => tail(opts.errorLog),
  });
}

export { tail as tailFile };
