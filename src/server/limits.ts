// Connection and request limits of the core module, with httpd's defaults. The Plan does not carry them yet;
// createProxyServer takes them as an option (defaults below) until it does.

export interface ServerLimits {
  readonly keepAlive: boolean; // KeepAlive On
  readonly keepAliveTimeoutMs: number; // KeepAliveTimeout 5
  readonly maxKeepAliveRequests: number; // MaxKeepAliveRequests 100 (0 = unlimited)
  /** Timeout: reading the request headers, an idle request body, a stalled response write. */
  readonly timeoutMs: number; // Timeout 60
  readonly limitRequestLine: number; // 8190
  readonly limitRequestFieldSize: number; // 8190
  readonly limitRequestFields: number; // 100
}

export const DEFAULT_LIMITS: ServerLimits = {
  keepAlive: true,
  keepAliveTimeoutMs: 5_000,
  maxKeepAliveRequests: 100,
  timeoutMs: 60_000,
  limitRequestLine: 8190,
  limitRequestFieldSize: 8190,
  limitRequestFields: 100,
};

/**
 * Node's parser limit (maxHeaderSize) counts the whole header block; httpd limits the request line and each field.
 * Node is given room for the largest block httpd would accept, and the per-line limits are checked per request.
 */
export function nodeMaxHeaderSize(l: ServerLimits): number {
  const block = l.limitRequestLine + 2 + l.limitRequestFields * (l.limitRequestFieldSize + 2) + 2;
  return Math.min(Math.max(block, 16 * 1024), 1024 * 1024);
}

export type LimitViolation = { readonly status: 400 | 414; readonly notes: string | undefined };

/** httpd's read_request_line / ap_get_mime_headers checks, in their order. */
export function checkRequestLimits(method: string, url: string, httpVersion: string, rawHeaders: readonly string[], l: ServerLimits): LimitViolation | undefined {
  const lineLength = method.length + 1 + url.length + 1 + `HTTP/${httpVersion}`.length;
  if (l.limitRequestLine > 0 && lineLength > l.limitRequestLine) return { status: 414, notes: undefined };
  const fields = rawHeaders.length / 2;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    // "Name: value" as received (llhttp trims the value's surrounding whitespace; close enough for a limit).
    if (l.limitRequestFieldSize > 0 && rawHeaders[i]!.length + 2 + rawHeaders[i + 1]!.length > l.limitRequestFieldSize) {
      return { status: 400, notes: 'Size of a request header field exceeds server limit.' };
    }
  }
  if (l.limitRequestFields > 0 && fields > l.limitRequestFields) {
    return { status: 400, notes: "The number of request header fields exceeds this server's limit." };
  }
  return undefined;
}
