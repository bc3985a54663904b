// The key=value parameters of ProxyPass, BalancerMember and ProxySet, as a table (httpd's set_worker_param and
// set_balancer_param in modules/proxy/mod_proxy.c). Messages are httpd's, prefixed by the directive name.
import { parseDuration } from '../../config/values.js';
import { atoi } from '../shared/files.js';

/** mod_proxy_hcheck's methods (proxy_hcmethods), and tsproxyd's WebSocket probe. CPING (AJP) is refused as httpd does. */
export const HC_METHODS = ['NONE', 'TCP', 'OPTIONS', 'HEAD', 'GET', 'OPTIONS11', 'HEAD11', 'GET11', 'WS'] as const;
export type HcMethod = (typeof HC_METHODS)[number];

export interface WorkerParams {
  timeoutMs?: number;
  connectionTimeoutMs?: number;
  retryMs?: number;
  keepalive?: boolean;
  disableReuse?: boolean;
  ttlMs?: number;
  min?: number;
  max?: number;
  smax?: number;
  acquireMs?: number;
  pingMs?: number;
  /** Protocols accepted in the client's Upgrade header: ['*'] for ANY, ['NONE'] for NONE. */
  upgrade?: readonly string[];
  loadfactor?: number;
  lbset?: number;
  route?: string;
  redirect?: string;
  /** Status flags to set (+) and clear (-): D S I R H E N C. */
  status?: { readonly set: string; readonly clear: string };
  iobuffersize?: number;
  receivebuffersize?: number;
  responsefieldsize?: number;
  addressttl?: number;
  flushpackets?: 'on' | 'off' | 'auto';
  flushwait?: number;
  secret?: string;
  mapping?: 'encoded' | 'servlet';
  hcmethod?: HcMethod;
  hcintervalMs?: number;
  hcpasses?: number;
  hcfails?: number;
  hcuri?: string;
  hcexpr?: string;
  hctemplate?: string;
}

export interface BalancerParams {
  lbmethod?: 'byrequests' | 'bytraffic' | 'bybusyness' | 'heartbeat';
  stickysession?: string;
  stickysessionsep?: string;
  nofailover?: boolean;
  timeoutMs?: number;
  maxattempts?: number;
  scolonpathdelim?: boolean;
  failonstatus?: readonly number[];
  failontimeout?: boolean;
  forcerecovery?: boolean;
  nonce?: string;
  growth?: number;
}

/** What the hc* keys look up in the server they are written in (mod_proxy_hcheck's per-server tables). */
export interface ParamContext {
  /** Whether ProxyHCExpr defined this name (case-insensitive) before. */
  hcCondition(name: string): boolean;
  /** The ProxyHCTemplate of that name (case-insensitive): its hc* values, every one of them set or undefined. */
  hcTemplate(name: string): Readonly<WorkerParams> | undefined;
  /** A located warning (tsproxyd-only values). */
  warn(message: string): void;
}

type Setter<P> = (p: P, value: string, ctx?: ParamContext) => string | undefined;

const int = (v: string): number => (/^-?\d+$/.test(v) ? Number(v) : Number.NaN);
const onOff = (v: string): boolean | undefined => (/^on$/i.test(v) ? true : /^off$/i.test(v) ? false : undefined);

function flag<P>(assign: (p: P, on: boolean) => void, msg: string): Setter<P> {
  return (p, v) => {
    const b = onOff(v);
    if (b === undefined) return msg;
    assign(p, b);
    return undefined;
  };
}

function seconds<P>(assign: (p: P, ms: number) => void, msg: string): Setter<P> {
  return (p, v) => {
    const n = int(v);
    if (!(n >= 1)) return msg;
    assign(p, n * 1000);
    return undefined;
  };
}

function ms<P>(assign: (p: P, ms: number) => void, formatMsg: string, minMsg: string, unit: 'ms' | 's'): Setter<P> {
  return (p, v) => {
    const d = parseDuration(v, '', unit);
    if (!d.ok) return formatMsg;
    if (d.value < 1) return minMsg;
    assign(p, d.value);
    return undefined;
  };
}

function count<P>(assign: (p: P, n: number) => void, msg: string, min = 0, max = Number.MAX_SAFE_INTEGER): Setter<P> {
  return (p, v) => {
    const n = int(v);
    if (!(n >= min && n <= max)) return msg;
    assign(p, n);
    return undefined;
  };
}

function text<P>(assign: (p: P, s: string) => void, max: number, msg: string): Setter<P> {
  return (p, v) => {
    if (v.length >= max) return msg;
    assign(p, v);
    return undefined;
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseUpgrade(p: WorkerParams, v: string): string | undefined {
  // httpd stores an empty value, which then means "not set"; so does tsproxyd.
  if (v === '') {
    delete p.upgrade;
    return undefined;
  }
  if (v.length >= 16) return 'upgrade protocol length must be < 16 characters';
  if (/^any$/i.test(v)) p.upgrade = ['*'];
  else if (/^none$/i.test(v)) p.upgrade = ['NONE'];
  else {
    const list = v.split(',').map((s) => s.trim());
    if (list.some((s) => !TOKEN.test(s))) return `upgrade must be ANY, NONE or a comma-separated list of protocol names, not '${v}'`;
    p.upgrade = list;
  }
  return undefined;
}

function parseStatus(p: WorkerParams, v: string): string | undefined {
  let set = '';
  let clear = '';
  let mode: '+' | '-' = '+';
  for (const ch of v.toUpperCase()) {
    if (ch === '+' || ch === '-') mode = ch;
    else if ('DSIRHENC'.includes(ch)) {
      if (mode === '+') set += ch;
      else clear += ch;
    } else return 'Unknown status parameter option';
  }
  p.status = { set, clear };
  return undefined;
}

export const WORKER_PARAMS: Record<string, Setter<WorkerParams>> = {
  loadfactor: (p, v) => {
    const n = Number(v);
    if (!(n >= 1 && n <= 100)) return 'LoadFactor must be a number between 1..100';
    p.loadfactor = n;
    return undefined;
  },
  retry: count((p, n) => (p.retryMs = n * 1000), 'Retry must be a positive value'),
  ttl: seconds((p, n) => (p.ttlMs = n), 'TTL must be at least one second'),
  min: count((p, n) => (p.min = n), 'Min must be a positive number'),
  max: count((p, n) => (p.max = n), 'Max must be a positive number'),
  smax: count((p, n) => (p.smax = n), 'Smax must be a positive number'),
  acquire: ms((p, n) => (p.acquireMs = n), 'Acquire timeout has wrong format', 'Acquire must be at least one millisecond', 'ms'),
  timeout: seconds((p, n) => (p.timeoutMs = n), 'Timeout must be at least one second'),
  iobuffersize: count((p, n) => (p.iobuffersize = n), 'IOBufferSize must be >= 512 bytes', 512),
  receivebuffersize: (p, v) => {
    const n = int(v);
    if (!(n === 0 || n >= 512)) return 'ReceiveBufferSize must be >= 512 bytes, or 0 for system default.';
    p.receivebuffersize = n;
    return undefined;
  },
  keepalive: flag((p, b) => (p.keepalive = b), 'KeepAlive must be On|Off'),
  disablereuse: flag((p, b) => (p.disableReuse = b), 'DisableReuse must be On|Off'),
  enablereuse: flag((p, b) => (p.disableReuse = !b), 'EnableReuse must be On|Off'),
  route: text((p, s) => (p.route = s), 64, 'Route length must be < 64 characters'),
  redirect: text((p, s) => (p.redirect = s), 64, 'Redirect length must be < 64 characters'),
  status: parseStatus,
  flushpackets: (p, v) => {
    const w = v.toLowerCase();
    if (w !== 'on' && w !== 'off' && w !== 'auto') return 'flushpackets must be on|off|auto';
    p.flushpackets = w;
    return undefined;
  },
  flushwait: count((p, n) => (p.flushwait = n), 'flushwait must be <= 1000, or 0 for system default of 10 millseconds.', 0, 1000),
  ping: ms((p, n) => (p.pingMs = n), 'Ping/Pong timeout has wrong format', 'Ping/Pong timeout must be at least one millisecond', 's'),
  lbset: count((p, n) => (p.lbset = n), 'lbset must be between 0 and 99', 0, 99),
  connectiontimeout: ms((p, n) => (p.connectionTimeoutMs = n), 'Connectiontimeout has wrong format', 'Connectiontimeout must be at least one millisecond.', 's'),
  flusher: text(() => undefined, 16, 'flusher name length must be < 16 characters'),
  upgrade: parseUpgrade,
  responsefieldsize: count((p, n) => (p.responsefieldsize = n), 'ResponseFieldSize must be greater than 0 bytes, or 0 for system default.'),
  secret: text((p, s) => (p.secret = s), 64, 'Secret length must be < 64 characters'),
  addressttl: count((p, n) => (p.addressttl = n), 'AddressTTL must be between -1 and 2147483647', -1),
  mapping: (p, v) => {
    const w = v.toLowerCase();
    if (w !== 'encoded' && w !== 'servlet') return 'unknown mapping';
    p.mapping = w;
    return undefined;
  },
  // mod_proxy_hcheck's keys (set_worker_hc_param; built into tsproxyd, WS is tsproxyd's own WebSocket probe). Every
  // key starting with "hc" is one of them: ProxyHCTemplate takes exactly these.
  hcmethod: (p, v, ctx) => {
    const m = HC_METHODS.find((x) => x === v.toUpperCase());
    if (v.toUpperCase() === 'CPING') return `Health check method ${v} not (yet) implemented`;
    if (m === undefined) return 'Unknown method';
    if (m === 'WS') ctx?.warn("hcmethod=WS is tsproxyd's WebSocket probe; httpd 2.4 would reject it (Unknown method)");
    p.hcmethod = m;
    return undefined;
  },
  hcinterval: (p, v) => {
    // ap_timeout_parameter_parse in seconds by default; at least the watchdog's slice (AP_WD_TM_SLICE, 100 ms).
    const d = parseDuration(v, '', 's');
    if (!d.ok) return 'Unparse-able hcinterval setting';
    if (d.value < 100) return 'Interval must be a positive value greater than 100ms';
    p.hcintervalMs = d.value;
    return undefined;
  },
  hcpasses: (p, v) => {
    const n = atoi(v);
    if (n < 0) return 'Passes must be a positive value';
    p.hcpasses = n;
    return undefined;
  },
  hcfails: (p, v) => {
    const n = atoi(v);
    if (n < 0) return 'Fails must be a positive value';
    p.hcfails = n;
    return undefined;
  },
  hcuri: text((p, s) => (p.hcuri = s), 64, 'Health check uri length must be < 64 characters'),
  hcexpr: (p, v, ctx) => {
    if (ctx?.hcCondition(v) !== true) return `Unknown health check condition expr: ${v}`;
    if (v.length >= 64) return 'Health check uri length must be < 64 characters'; // sic (httpd)
    p.hcexpr = v;
    return undefined;
  },
  hctemplate: (p, v, ctx) => {
    const t = ctx?.hcTemplate(v);
    if (t === undefined) return `Unknown ProxyHCTemplate name: ${v}`;
    // Every hc* value of the template replaces the worker's, set or not (httpd copies the whole template).
    const target = p as Record<string, unknown>;
    for (const [k, val] of Object.entries(t)) {
      if (val === undefined) delete target[k];
      else target[k] = val;
    }
    return undefined;
  },
};

const LBMETHODS = ['byrequests', 'bytraffic', 'bybusyness', 'heartbeat'] as const;

export const BALANCER_PARAMS: Record<string, Setter<BalancerParams>> = {
  stickysession: text((p, s) => (p.stickysession = s), 64, 'stickysession length must be < 64 characters'),
  stickysessionsep: (p, v) => {
    if (/^off$/i.test(v)) p.stickysessionsep = '';
    else if (v.length !== 1) return 'stickysessionsep must be a single character or Off';
    else p.stickysessionsep = v;
    return undefined;
  },
  nofailover: flag((p, b) => (p.nofailover = b), 'failover must be On|Off'),
  timeout: seconds((p, n) => (p.timeoutMs = n), 'timeout must be at least one second'),
  maxattempts: count((p, n) => (p.maxattempts = n), 'maximum number of attempts must be a positive number'),
  lbmethod: (p, v) => {
    const m = LBMETHODS.find((x) => x === v.toLowerCase());
    if (m === undefined) return 'unknown lbmethod';
    p.lbmethod = m;
    return undefined;
  },
  scolonpathdelim: flag((p, b) => (p.scolonpathdelim = b), 'scolonpathdelim must be On|Off'),
  failonstatus: (p, v) => {
    const codes = v.split(/[,\s]+/).filter(Boolean).map(Number);
    if (codes.length === 0 || codes.some((c) => !(Number.isInteger(c) && c >= 100 && c <= 599))) {
      return 'failonstatus must be one or more HTTP response codes';
    }
    p.failonstatus = codes;
    return undefined;
  },
  failontimeout: flag((p, b) => (p.failontimeout = b), 'failontimeout must be On|Off'),
  forcerecovery: flag((p, b) => (p.forcerecovery = b), 'forcerecovery must be On|Off'),
  nonce: text((p, s) => (p.nonce = s), 64, 'Provided nonce is too large'),
  growth: count((p, n) => (p.growth = n), 'growth must be between 1 and 100', 1, 100),
};

/** Applies `key=value` to worker or balancer params; returns httpd's message (without the directive prefix). */
export function setParam(
  kind: 'worker' | 'balancer',
  target: WorkerParams | BalancerParams,
  key: string,
  value: string,
  ctx?: ParamContext,
): string | undefined {
  const k = key.toLowerCase();
  if (kind === 'balancer') {
    const set = BALANCER_PARAMS[k];
    return set ? set(target as BalancerParams, value) : 'unknown Balancer parameter';
  }
  const set = WORKER_PARAMS[k];
  if (set === undefined) return isHcKey(k) ? 'unknown Worker hcheck parameter' : 'unknown Worker parameter';
  return set(target as WorkerParams, value, ctx);
}

/** mod_proxy hands every key that starts with "hc" to mod_proxy_hcheck. */
export function isHcKey(key: string): boolean {
  return key.toLowerCase().startsWith('hc');
}
