// The key=value parameters of ProxyPass, BalancerMember and ProxySet, as a table (httpd's set_worker_param and
// set_balancer_param in modules/proxy/mod_proxy.c). Messages are httpd's, prefixed by the directive name.
import { parseDuration } from '../../config/values.js';

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
  hcmethod?: string;
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

type Setter<P> = (p: P, value: string) => string | undefined;

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

const HC_METHODS = ['NONE', 'TCP', 'OPTIONS', 'HEAD', 'GET', 'OPTIONS11', 'HEAD11', 'GET11', 'WS'];

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
  // mod_proxy_hcheck's keys (built into tsproxyd; WS is tsproxyd's WebSocket probe).
  hcmethod: (p, v) => {
    const m = v.toUpperCase();
    if (!HC_METHODS.includes(m)) return `Unknown hcmethod '${v}' (one of ${HC_METHODS.join(', ')})`;
    p.hcmethod = m;
    return undefined;
  },
  hcinterval: seconds((p, n) => (p.hcintervalMs = n), 'hcinterval must be at least one second'),
  hcpasses: count((p, n) => (p.hcpasses = n), 'hcpasses must be a positive value'),
  hcfails: count((p, n) => (p.hcfails = n), 'hcfails must be a positive value'),
  hcuri: text((p, s) => (p.hcuri = s), 64, 'hcuri must be < 64 characters'),
  hcexpr: text((p, s) => (p.hcexpr = s), 64, 'hcexpr name must be < 64 characters'),
  hctemplate: text((p, s) => (p.hctemplate = s), 64, 'hctemplate name must be < 64 characters'),
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
): string | undefined {
  const k = key.toLowerCase();
  if (kind === 'balancer') {
    const set = BALANCER_PARAMS[k];
    return set ? set(target as BalancerParams, value) : 'unknown Balancer parameter';
  }
  const set = WORKER_PARAMS[k];
  return set ? set(target as WorkerParams, value) : 'unknown Worker parameter';
}
