// A tsproxyd front end in its own process, so its memory can be measured apart from the test's clients and
// backends. Started with fork(); argv: backend port. Messages: → {port} when listening; 'reset' → {rss} after a
// GC; 'peak' → {rss, peak}; 'exit'. Loaded without an IPC channel (the test runner collects every file under
// dist/test/), it does nothing.
import { backendAt, forwardTo, startProxy } from './proxy.js';

async function main(send: (m: unknown) => void): Promise<void> {
  const px = await startProxy(forwardTo(backendAt(Number(process.argv[2]))));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  process.on('message', (m) => {
    if (m === 'reset') {
      global.gc?.();
      peak = process.memoryUsage().rss;
      send({ rss: peak });
    } else if (m === 'peak') send({ rss: process.memoryUsage().rss, peak });
    else if (m === 'exit') {
      clearInterval(sampler);
      void px.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ port: px.port });
}

if (process.send !== undefined) {
  const send = process.send.bind(process);
  void main((m) => send(m));
}
