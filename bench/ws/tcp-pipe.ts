// A bare Node.js TCP pipe (`node dist/bench/ws/tcp-pipe.js PORT BACKEND_PORT`): every connection piped to a new
// connection to the backend, both ways, with no HTTP at all: the floor for any Node.js byte tunnel, tsproxyd's
// included (its tunnel adds the handshake's HTTP parsing and routing in front of the same two pipes).
import net from 'node:net';
import { isMain, serve } from './listen.js';

export function createTcpPipe(backendPort: number): net.Server {
  return net.createServer({ noDelay: true }, (client) => {
    const backend = net.connect({ port: backendPort, host: '127.0.0.1', noDelay: true });
    const teardown = () => {
      client.destroy();
      backend.destroy();
    };
    for (const s of [client, backend]) {
      s.on('error', teardown);
      s.on('close', teardown);
    }
    client.pipe(backend);
    backend.pipe(client);
  });
}

if (isMain(import.meta.url)) serve(createTcpPipe(Number(process.argv[3])), Number(process.argv[2] ?? '0'), 'tcp-pipe');
