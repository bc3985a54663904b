// What an access-log line may say about one request (or one tunnel), gathered by the server when the response
// finishes, the client goes away, or the tunnel closes. Plain data: the formatter (formatter.ts) never touches
// sockets. Strings are byte strings (one char per byte, latin1), as Node hands request lines and headers over.

export interface AccessRecord {
  /** When the request was read: wall clock in µs since the epoch (%t, %{…}t) and process.hrtime (for %D, %T). */
  readonly startUs: number;
  readonly startHr: bigint;
  /** When it ended (response written, client gone, tunnel closed). */
  readonly endUs: number;
  readonly endHr: bigint;

  /** The connection: client (%a, %h, %{remote}p) and local (%A, %{local}p) addresses. */
  readonly remoteAddr: string;
  readonly remotePort: number;
  readonly localAddr: string;
  readonly localPort: number;
  readonly tls: boolean;

  /** The server that served the request: ServerName (%v), and its port from ServerName (%p, canonical). */
  readonly serverName: string;
  readonly serverPort: number | undefined;
  /** The Host header's name, lower-cased without port (%V when UseCanonicalName is not On). */
  readonly hostName: string | undefined;
  readonly useCanonicalName: boolean;

  /** %r: "GET /x?y HTTP/1.1"; %m, %H ("HTTP/1.1"); %U (the decoded path); %q (the raw query, without '?'). */
  readonly requestLine: string;
  readonly method: string;
  readonly protocol: string;
  readonly path: string;
  readonly query: string | undefined;

  /** %s (the first response status) and %>s (the final one); the same unless an internal redirect happened. */
  readonly status: number;
  readonly originalStatus: number;
  /** %B/%b: response body bytes; %O: everything written (headers included); %I: everything read. */
  readonly bodyBytes: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;

  /** Request fields by lower-case name, repeats joined with ", " as httpd merges them. */
  readonly requestHeader: (name: string) => string | undefined;
  /** Response fields by lower-case name (the first one; Set-Cookie: all, joined with ", "). */
  readonly responseHeader: (name: string) => string | undefined;
  /** The request's environment (SetEnv, RewriteRule [E=], BALANCER_*): %{VAR}e and env= conditions. */
  readonly env: ReadonlyMap<string, string>;

  /** %k: requests already served on this connection before this one. */
  readonly keepAlives: number;
  /** %X: 'X' the client went away before the response was complete, '+' the connection stays open, '-' it closes. */
  readonly connStatus: 'X' | '+' | '-';
  /** %R: 'proxy-server' for proxied requests, 'server-status' / 'balancer-manager' for those pages, else undefined. */
  readonly handler: string | undefined;
  /** %f: "proxy:URL" for proxied requests. */
  readonly filename: string | undefined;
  /** %P */
  readonly pid: number;
}
