// httpd's request-body prefetch (mod_proxy_http's ap_proxy_http_prefetch): before sending anything to the backend,
// read up to 16 KiB of a chunked body. If the body ends within that, it is forwarded with a Content-Length (checked:
// "5\r\nhello\r\n0\r\n\r\n" reaches the backend as "Content-Length: 5"); otherwise the backend gets it chunked,
// streamed. At most 16 KiB is held.
import type { IncomingMessage } from 'node:http';

export const PREFETCH_BYTES = 16_384;

export interface Prefetched {
  readonly chunks: Buffer[];
  readonly length: number;
  /** The whole body is in `chunks`. */
  readonly ended: boolean;
}

/** Reads until PREFETCH_BYTES or the end of the body; leaves `req` paused with no 'data' listener of its own. */
export function prefetchBody(req: IncomingMessage): Promise<Prefetched> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (ended: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      if (!ended) req.pause();
      resolve({ chunks, length, ended });
    };
    const onData = (c: Buffer): void => {
      chunks.push(c);
      length += c.length;
      if (length >= PREFETCH_BYTES) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(req.complete);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    if (req.readableEnded) finish(true);
  });
}
