// How the benchmark's own servers (backend, TCP pipe, node-http-proxy) run as processes: listen on 127.0.0.1:PORT,
// say so on stderr (the harness keeps it in a log), and close on SIGTERM.
import type net from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export function serve(server: net.Server, port: number, name: string, onStop?: () => void): void {
  server.listen(port, '127.0.0.1', 1024, () => {
    const a = server.address();
    process.stderr.write(`${name}: listening on 127.0.0.1:${a !== null && typeof a === 'object' ? a.port : port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    onStop?.();
    process.exit(0);
  });
}

/** Whether this module is the process's entry script (`node dist/bench/ws/X.js`), not imported by a test. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return !!entry && pathToFileURL(resolve(entry)).href === metaUrl;
}
