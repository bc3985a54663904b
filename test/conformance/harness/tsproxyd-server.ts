// tsproxyd serving a rendered config: `node dist/src/cli/main.js -f FILE` runs in the foreground, prints
// "tsproxyd: listening on HOST:PORT" on stderr per listener and stops on SIGTERM. Ready when it has said so for
// every port and every port accepts. -X (one process), as apache2 runs -X: per-process state such as a balancer's
// counters or a backend's error state then means the same on both sides.
import { cleanEnv } from './proc.js';
import { tsproxydCliPath } from './paths.js';
import { ServerProcess } from './server-process.js';
import type { ServeOptions } from './apache-server.js';

export function startTsproxyd(configFile: string, opts: ServeOptions & { cli?: string }): Promise<ServerProcess> {
  const cli = opts.cli ?? tsproxydCliPath();
  return ServerProcess.start('tsproxyd', {
    file: process.execPath,
    args: [cli, '-X', '-f', configFile, ...(opts.args ?? [])],
    env: cleanEnv(opts.env),
    ports: opts.ports,
    timeoutMs: opts.timeoutMs ?? 10_000,
    readyWhen: (stderr) => opts.ports.every((p) => new RegExp(`^tsproxyd: listening on \\S*:${p}\\s*$`, 'm').test(stderr)),
  });
}
