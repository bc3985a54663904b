// The contract between the matcher chain (src/route, pure: no sockets) and the I/O side (src/proxy, src/server).
// A Plan is compiled once from the config model; route(plan, facts) turns one request's facts into a Decision.
import type { TlsSite } from '../tls/site.js';
import type { SslDirPlan } from '../tls/dir.js';
import type { VerifyMode } from '../modules/ssl/directives.js';
import type { Loc } from '../../grammar/ast.js';
import type { HeaderOp } from '../modules/headers/directives.js';
import type { ReverseRule } from '../modules/proxy/types.js';
import type { WorkerParams } from '../modules/proxy/worker-params.js';
import type { ListenAddr } from '../modules/core/listen.js';
import type { ServerRouting } from './routing.js';
import type { BackendTls } from '../proxy/backend-tls.js';
import type { ServerLogs } from '../log/plan.js';
import type { BalancerLease } from '../balancer/lease.js';
import type { WorkerTarget } from './forward-url.js';
import type { MapAnswers } from '../rewrite/types.js';
import type { LocalHandler } from '../status/types.js';

/** What route() may know about a request: no streams, no sockets. */
export interface RequestFacts {
  readonly method: string;
  /** The request-target exactly as received ("/a%20b/../c?x=1", "*", or an absolute-form URL). */
  readonly target: string;
  /** The Host header as received (may carry a port), undefined when absent. */
  readonly host: string | undefined;
  /** The address and port the connection was accepted on. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tls: boolean;
  /** mod_ssl's variables of a TLS connection (src/tls/vars.ts: SSL_PROTOCOL, SSL_CLIENT_S_DN, …). */
  readonly ssl?: (name: string) => string | undefined;
  /** The SNI name the client sent, for the SNI/Host check (httpd's 421). */
  readonly sni?: string;
  /** SSLVerifyClient of the connection after a renegotiation (src/tls/renegotiate.ts); absent: its handshake's. */
  readonly clientVerifyMode?: VerifyMode;
  /** Case-insensitive request header lookup (the first value; repeated headers joined with ", "). */
  readonly header: (name: string) => string | undefined;
  /** "1.0" or "1.1" (default "1.1"): an HTTP/1.1 request without Host is a 400, as in httpd. */
  readonly httpVersion?: string;
  /** What RewriteMap programs answered for this request (src/rewrite/prg.ts); absent: prg: lookups fail. */
  readonly mapAnswers?: MapAnswers;
}

/** A backend "worker" in httpd's terms: what connection pools and retry state are keyed by. */
export interface Backend {
  /** scheme://host:port, lower-case host, explicit port. */
  readonly key: string;
  readonly scheme: 'http' | 'https' | 'ws' | 'wss';
  readonly host: string;
  readonly port: number;
  /** The ProxyPass line's key=value parameters, over any ProxySet for the same URL. */
  readonly params: Readonly<WorkerParams>;
}

/** Per-request proxy behaviour, resolved at compile time for a server and the <Location> sections that apply. */
export interface ProxySettings {
  readonly preserveHost: boolean; // ProxyPreserveHost (default Off)
  readonly addHeaders: boolean; // ProxyAddHeaders (default On)
  readonly via: 'Off' | 'On' | 'Full' | 'Block'; // ProxyVia (default Off)
  /** Backend I/O timeout: the worker's timeout=, else ProxyTimeout, else Timeout (default 60 s). */
  readonly timeoutMs: number;
  /** Client-side Timeout (default 60 s). */
  readonly clientTimeoutMs: number;
  /** This server's ServerName (X-Forwarded-Server, Via, ProxyPassReverse), without port. */
  readonly serverName: string;
  readonly reverse: readonly ReverseRule[];
  readonly reverseCookieDomain: readonly { from: string; to: string; interpolate: boolean }[];
  readonly reverseCookiePath: readonly { from: string; to: string; interpolate: boolean }[];
  /** ProxyPassInterpolateEnv: `interpolate` lines take ${VAR} from the request's environment (route/interpolate.ts). */
  readonly interpolateEnv: boolean;
  /** RequestHeader operations in httpd's order (server, then matching sections); `early` ones first. */
  readonly requestHeaders: readonly HeaderOp[];
  /** Header operations for the response. */
  readonly responseHeaders: readonly HeaderOp[];
  /** ProxyErrorOverride. */
  readonly errorOverride: { readonly on: boolean; readonly codes: readonly number[] };
  readonly limitRequestBody: number; // bytes, 0 = unlimited (httpd 2.4.54+: 1 GiB default)
  /** ProxyWebsocketFallbackToProxyHttp (default On); Off = httpd's legacy mod_proxy_wstunnel path for ws(s):// routes. */
  readonly wsFallback: boolean;
  /** ProxyWebsocketIdleTimeout (tsproxyd only); unset: max(Timeout, the route's timeout), none on the legacy path. */
  readonly wsIdleTimeoutMs?: number;
  /** SSLProxy* for https:// and wss:// backends (the server's, main merged into the vhost). */
  readonly backendTls: BackendTls;
  /** mod_ssl's per-directory settings (<Location> SSLVerifyClient, SSLOptions); absent: none (hand-made settings). */
  readonly ssl?: SslDirPlan;
  /** The server's access logs, compiled once per load (src/log/plan.ts); absent: none (hand-made settings). */
  readonly logs?: ServerLogs;
}

/** An upgrade the route allows: the request goes to the backend with "Connection: Upgrade" and this Upgrade value. */
export interface UpgradePlan {
  /** The Upgrade value sent to the backend (the client's, or on the legacy path what httpd's wstunnel sends). */
  readonly protocol: string;
  /** The protocol the client asked for: the backend's 101 must name it (or `protocol`), case-insensitively. */
  readonly requested: string;
  /** httpd's legacy mod_proxy_wstunnel path (ProxyWebsocketFallbackToProxyHttp Off): no idle timeout by default. */
  readonly legacy: boolean;
}

/** What the rewrite phase (src/rewrite, issue #5) adds to a decision. */
export interface RewriteEffects {
  /** The request's environment after the rewrite phase ([E=…], SCRIPT_URL, SCRIPT_URI): header rules read it. */
  readonly env?: ReadonlyMap<string, string>;
  /** Error-log lines: "[rewrite:traceN] …" when LogLevel asks for them, "[rewrite:error] AH…" always. */
  readonly log?: readonly string[];
}

/** What to do with a request. Every decision names the config line that made it, for logs and -S. */
export type Decision =
  | ({
      readonly kind: 'forward';
      readonly backend: Backend;
      /** The path and query to send to the backend (canonical, re-encoded unless nocanon). */
      readonly path: string;
      readonly settings: ProxySettings;
      readonly from: Loc;
      /**
       * Set for an absolute-form request-target (GET http://h:p/x): httpd replaces the Host header with the
       * target's authority (verified: X-Forwarded-Host shows "b.test:1234", not the Host header). Undefined: use
       * the Host header as received.
       */
      readonly host?: string;
      /** Set when the request asks to upgrade and the route allows it: tunnel after the backend's 101. */
      readonly upgrade?: UpgradePlan;
      /**
       * balancer:// targets: `backend`, `path` and `upgrade` are the first member's; the forwarder picks the member
       * (and the next one on failover) through this lease when it handles the request (src/balancer).
       */
      readonly balancer?: BalancerLease<WorkerTarget>;
    } & RewriteEffects)
  | ({
      readonly kind: 'respond';
      readonly status: number;
      /** Short reason for the log and the error page ("No matching ProxyPass", "forwarded URL holds a control character"…). */
      readonly reason: string;
      readonly settings: ProxySettings | undefined;
      readonly from: Loc | undefined;
      /** Extra response fields (the 426's "Upgrade" and "Connection: Upgrade", a redirect's Location). */
      readonly headers?: readonly (readonly [string, string])[];
      /**
       * Set (with status 200) when tsproxyd answers the request itself: a <Location> with `SetHandler server-status`
       * or `balancer-manager` that no ProxyPass takes, and whose Require rules allow the client (src/route/handler.ts).
       */
      readonly handler?: LocalHandler;
      /**
       * A 403 that a TLS 1.2 renegotiation asking for a client certificate in this mode may lift (a <Location>'s
       * SSLVerifyClient): the I/O side renegotiates and routes the request again (src/tls/renegotiate.ts).
       */
      readonly renegotiate?: VerifyMode;
    } & RewriteEffects);

/** One server (the main server or a <VirtualHost>) ready to route. */
export interface ServerPlan {
  readonly name: string; // ServerName
  readonly aliases: readonly string[]; // ServerAlias patterns (lower-case, may hold * and ?)
  /** The <VirtualHost> address specs ("*:80", "127.0.0.1:8080", "_default_:*"); empty for the main server. */
  readonly addrs: readonly string[];
  readonly loc: Loc;
  readonly settings: ProxySettings;
  /** The compiled matcher state (src/route/routing.ts); only src/route reads it. */
  readonly routing: ServerRouting;
  /** mod_ssl's listener settings (src/tls/site.ts). */
  readonly tls: TlsSite;
}

export interface Plan {
  readonly listen: readonly ListenAddr[];
  readonly main: ServerPlan;
  readonly vhosts: readonly ServerPlan[];
}
