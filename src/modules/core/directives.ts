// httpd core (core.c, http_core.c, mpm and unixd) directives a reverse-proxy config uses, as table rows.
import { acceptRow, flagRow, readPhaseRow, S, SV, SVD, valueRow } from '../../config/rows.js';
import type { DirectiveDef, ModuleDef } from '../../config/types.js';
import { parseDuration, parseEnum } from '../../config/values.js';
import { fnmatchTest } from '../../config/fnmatch.js';
import { atoi, serverRootRelative, statPath } from '../shared/files.js';
import { parseListen } from './listen.js';
import { coreSections } from './sections.js';
import type { CoreDirConf, CoreServerConf } from './types.js';

/** httpd reads these with atoi(): garbage becomes 0 silently. tsproxyd keeps httpd's verdict but warns. */
function laxCount(name: string) {
  return (w: string) => {
    if (/^\d+$/.test(w)) return { ok: true as const, value: Number(w) };
    const n = Number.parseInt(w, 10);
    return {
      ok: 'warn' as const,
      value: Number.isNaN(n) ? 0 : Math.max(0, n),
      warning: `${name}: '${w}' is not a whole number; httpd silently reads it as ${Number.isNaN(n) ? 0 : n}`,
    };
  };
}

/** WorkerProcesses: 'auto' (0: one per core) or a count of at least 1. */
function workerCount(w: string): { ok: true; value: number } | { ok: false; error: string } {
  if (w.toLowerCase() === 'auto') return { ok: true, value: 0 };
  if (/^\d+$/.test(w) && Number(w) >= 1 && Number(w) <= 256) return { ok: true, value: Number(w) };
  return { ok: false, error: `WorkerProcesses takes 'auto' or a number from 1 to 256, not '${w}'` };
}

function laxSeconds(name: string) {
  const count = laxCount(name);
  return (w: string) => {
    const d = parseDuration(w, name);
    if (d.ok) return d;
    const c = count(w);
    return { ...c, value: c.value * 1000 };
  };
}

// httpd's core.c server_hostname_port: a wildcard is refused; an optional `scheme://`; the port is what atoi()
// reads after the FIRST ':' (so `[::1]:80` is a wildcard-looking name and `a:80x` is port 80).
const serverName: DirectiveDef<CoreServerConf> = {
  name: 'ServerName',
  args: 'TAKE1',
  where: SV,
  help: 'The hostname and port of the server',
  apply(conf, [arg], at) {
    const whole = arg!;
    if (fnmatchTest(whole)) {
      return `Invalid ServerName "${whole}" use ServerAlias to set multiple server names.`;
    }
    let rest = whole;
    let scheme: string | undefined;
    const sep = whole.indexOf('://');
    if (sep >= 0) {
      scheme = whole.slice(0, sep).toLowerCase();
      rest = whole.slice(sep + 3);
    }
    const colon = rest.indexOf(':');
    let port: number | undefined;
    let host = rest;
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = atoi(rest.slice(colon + 1));
      if (port <= 0 || port >= 65536) {
        return `The port number "${whole}" is outside the appropriate range (i.e., 1..65535).`;
      }
    }
    conf.server.serverName = { host: host.toLowerCase(), loc: at.loc, ...(scheme ? { scheme } : {}), ...(port ? { port } : {}) };
  },
};

const listen: DirectiveDef<CoreServerConf> = {
  name: 'Listen',
  args: 'TAKE_ARGV',
  where: S,
  help: 'A port number or a numeric IP address and a port number, and an optional protocol',
  apply(conf, args, at) {
    const r = parseListen(args);
    if (!r.ok) return r.error;
    const dup = conf.server.listen.find((l) => l.port === r.value.port && l.host === r.value.host);
    if (dup) return 'Cannot define multiple Listeners on the same IP:port';
    conf.server.listen.push({ ...r.value, loc: at.loc });
  },
};

const serverAlias: DirectiveDef<CoreServerConf> = {
  name: 'ServerAlias',
  args: 'TAKE_ARGV',
  where: SV,
  help: 'A name or names alternately used to access the server',
  apply(conf, args, at) {
    if (!at.server.isVirtual) return 'ServerAlias only used in <VirtualHost>';
    conf.server.serverAliases.push(...args.map((a) => a.toLowerCase()));
  },
};

const limitRequestBody: DirectiveDef<CoreServerConf, CoreDirConf> = {
  name: 'LimitRequestBody',
  args: 'TAKE1',
  where: SVD,
  help: 'Limit (in bytes) on maximum size of request message body',
  apply(conf, [w]) {
    if (!/^\d+$/.test(w!)) return 'LimitRequestBody requires a non-negative integer.';
    (conf.dir ?? conf.server).limitRequestBody = Number(w);
  },
};

// tsproxyd serves no files, but httpd -t refuses a DocumentRoot that is not a directory, and so does --check.
const documentRoot: DirectiveDef<CoreServerConf> = {
  name: 'DocumentRoot',
  args: 'TAKE1',
  where: SV,
  help: 'Root directory of the document tree',
  apply(conf, [path], at) {
    const full = serverRootRelative(at.model.serverRoot, path!);
    if (statPath(full).kind !== 'dir') return `DocumentRoot '${full}' is not a directory, or is not readable`;
    conf.server.documentRoot = full;
  },
};

const errorDocument: DirectiveDef<CoreServerConf> = {
  name: 'ErrorDocument',
  args: 'TAKE2',
  where: SVD,
  help: 'Change responses for HTTP errors',
  apply(conf, [code, doc]) {
    const n = Number(code);
    if (!/^\d{3}$/.test(code!) || n < 400 || n > 599) return `Unsupported HTTP response code ${code}`;
    conf.server.errorDocuments.set(n, doc!);
  },
};

// SetHandler: tsproxyd runs the handlers it implements (server-status, balancer-manager; src/route/handler.ts) for
// a <Location>/<LocationMatch>; any other handler serves nothing in a proxy, and `None` clears an earlier one.
const setHandler: DirectiveDef<CoreServerConf, CoreDirConf> = {
  name: 'SetHandler',
  args: 'TAKE1',
  where: SVD,
  help: 'a handler name that overrides any other configured handler',
  apply(conf, [name]) {
    if (conf.dir !== undefined) conf.dir.handler = name!;
  },
};

// Directives that configure what a static web server or its process does; they are checked for argument counts
// and ignored. Read-phase directives (Include, Define, LoadModule, ServerRoot…) are executed by
// config/preprocess.ts while files are read; their rows exist so <IfDirective> and did-you-mean know them.
const accepted: DirectiveDef[] = [
  readPhaseRow('Include', 'TAKE1', SVD, 'Name(s) of the config file(s) to be included; fails if the wildcard does not match at least one file'),
  readPhaseRow('IncludeOptional', 'TAKE1', SVD, 'Name or pattern of the config file(s) to be included; ignored if the file does not exist or the pattern does not match any files'),
  readPhaseRow('Define', 'TAKE12', SVD, 'Define a variable, optionally to a value.  Same as passing -D to the command line.'),
  readPhaseRow('UnDefine', 'TAKE1', SVD, 'Undefine the existence of a variable. Undo a Define.'),
  readPhaseRow('LoadModule', 'TAKE2', S, 'a module name and the name of a shared object file to load it from'),
  acceptRow('LoadFile', 'ITERATE', S, 'shared object file or library to load into the server at runtime'),
  readPhaseRow('ServerRoot', 'TAKE1', S, 'Common directory of server-related files (logs, confs, etc.)'),
  acceptRow('ServerAdmin', 'TAKE1', SV, 'The email address of the server administrator'),
  acceptRow('ServerTokens', 'TAKE1', S, "Tokens displayed in the server header: 'Full' (or 'Prod', 'Major', 'Minor', 'Min', 'OS')"),
  acceptRow('ServerSignature', 'TAKE1', SVD, "En-/disable server signature (On|Off|EMail)"),
  acceptRow('TraceEnable', 'TAKE1', SV, "'on' (default), 'off' or 'extended' to trace request body content"),
  acceptRow('HostnameLookups', 'TAKE1', SVD, '"on" to enable, "off" to disable reverse DNS lookups, or "double" to enable double-reverse DNS lookups'),
  acceptRow('Options', 'RAW_ARGS', SVD, 'Set a number of attributes for a given directory'),
  acceptRow('AllowOverride', 'RAW_ARGS', ['dir'], 'Controls what groups of directives can be configured by per-directory config files'),
  acceptRow('AllowOverrideList', 'TAKE_ARGV', ['dir'], 'Controls what individual directives can be configured by per-directory config files'),
  acceptRow('AccessFileName', 'ITERATE', SV, 'Name(s) of per-directory config files (default: .htaccess)'),
  acceptRow('AddDefaultCharset', 'TAKE1', SVD, 'The name of the default charset to add to any Content-Type without one or \'Off\' to disable'),
  acceptRow('FileETag', 'RAW_ARGS', SVD, 'One or more of \'*\', \'None\', \'All\', or [+|-][INode|MTime|Size|Digest]'),
  acceptRow('EnableMMAP', 'FLAG', SVD, 'Controls whether memory-mapping may be used to read files'),
  acceptRow('EnableSendfile', 'FLAG', SVD, 'Controls whether sendfile may be used to transmit files'),
  acceptRow('Mutex', 'RAW_ARGS', S, 'mutex (or "default") and mechanism'),
  acceptRow('DefaultRuntimeDir', 'TAKE1', S, 'The location of the directory Apache changes to before dumping core'),
  acceptRow('AcceptFilter', 'TAKE2', S, 'Set the Accept Filter to use for a protocol'),
  acceptRow('Protocols', 'ITERATE', SV, 'Controls which protocols are allowed'),
  acceptRow('ProtocolsHonorOrder', 'FLAG', SV, "'off' (default) or 'on' to respect given order of protocols, by default the client specified order determines selection"),
  acceptRow('HttpProtocolOptions', 'ITERATE', SV, "'Allow0.9' or 'Require1.0' (default); 'RegisteredMethods' or 'Unsafe'; 'Strict' (default) or 'Unsafe'"),
  acceptRow('RegisterHttpMethod', 'ITERATE', S, 'Registers non-standard HTTP methods'),
  acceptRow('ServerPath', 'TAKE1', SV, 'The pathname the server can be reached at'),
  acceptRow('UseCanonicalPhysicalPort', 'FLAG', SVD, 'How to work out the ServerName : Port when constructing URLs'),
  acceptRow('ContentDigest', 'FLAG', SVD, 'whether or not to send a Content-MD5 header with each request'),
  acceptRow('SetOutputFilter', 'TAKE1', SVD, 'filter (or ; delimited list of filters) to be run on the request content'),
  acceptRow('SetInputFilter', 'TAKE1', SVD, 'filter (or ; delimited list of filters) to be run on the request body'),
  acceptRow('AddOutputFilterByType', 'ITERATE2', SVD, 'output filter name followed by one or more content-types'),
  acceptRow('ForceType', 'TAKE1', SVD, 'a mime type that overrides other configured type'),
  acceptRow('ScriptInterpreterSource', 'TAKE1', SVD, 'Where to find interpreter to run Win32 scripts'),
  acceptRow('QualifyRedirectURL', 'FLAG', SVD, 'Controls whether the REDIRECT_URL environment variable is fully qualified'),
  acceptRow('MaxRanges', 'TAKE1', SVD, "Maximum number of Ranges in a request before returning the entire resource, or 0 for unlimited"),
  acceptRow('LimitXMLRequestBody', 'TAKE1', SVD, 'Limit (in bytes) on maximum size of an XML-based request body'),
  acceptRow('LimitInternalRecursion', 'TAKE12', SV, 'maximum recursion depth of internal redirects and subrequests'),
  acceptRow('GprofDir', 'TAKE1', SV, 'Directory to plop gmon.out files'),
  acceptRow('CGIPassAuth', 'FLAG', SVD, 'Controls whether HTTP authorization headers, normally hidden, will be passed to scripts'),
  acceptRow('CGIVar', 'TAKE2', SVD, 'Controls how some CGI variables are set'),
  acceptRow('ServerLimit', 'TAKE1', S, 'Maximum value of MaxRequestWorkers for this run of Apache'),
  acceptRow('ThreadLimit', 'TAKE1', S, 'Maximum worker threads in a server for this run of Apache'),
  acceptRow('ThreadsPerChild', 'TAKE1', S, 'Number of threads each child creates'),
  acceptRow('MinSpareThreads', 'TAKE1', S, 'Minimum number of idle threads, to handle request spikes'),
  acceptRow('MaxSpareThreads', 'TAKE1', S, 'Maximum number of idle threads'),
  acceptRow('MinSpareServers', 'TAKE1', S, 'Minimum number of idle children, to handle request spikes'),
  acceptRow('MaxSpareServers', 'TAKE1', S, 'Maximum number of idle children'),
  acceptRow('MaxRequestWorkers', 'TAKE1', S, 'Maximum number of threads alive at the same time'),
  acceptRow('MaxClients', 'TAKE1', S, 'Deprecated name of MaxRequestWorkers'),
  acceptRow('MaxConnectionsPerChild', 'TAKE1', S, 'Maximum number of connections a particular child serves before dying.'),
  acceptRow('MaxRequestsPerChild', 'TAKE1', S, 'Deprecated name of MaxConnectionsPerChild'),
  acceptRow('AsyncRequestWorkerFactor', 'TAKE1', S, 'How many additional connects will be accepted per idle worker thread'),
  acceptRow('ListenBacklog', 'TAKE1', S, 'Maximum length of the queue of pending connections, as used by listen(2)'),
  acceptRow('ListenCoresBucketsRatio', 'TAKE1', S, 'Ratio between the number of CPU cores (online) and the number of listeners buckets'),
  acceptRow('SendBufferSize', 'TAKE1', S, 'Send buffer size in bytes'),
  acceptRow('ReceiveBufferSize', 'TAKE1', S, 'Receive buffer size in bytes'),
  acceptRow('MaxMemFree', 'TAKE1', S, 'Maximum number of 1k blocks a particular child\'s allocator may hold.'),
  acceptRow('ScoreBoardFile', 'TAKE1', S, 'A file for Apache to maintain runtime process management information'),
  acceptRow('CoreDumpDirectory', 'TAKE1', S, 'The location of the directory Apache changes to before dumping core'),
  acceptRow('User', 'TAKE1', S, 'Effective user id for this server'),
  acceptRow('Group', 'TAKE1', S, 'Name or number of group to run httpd as'),
  acceptRow('ChrootDir', 'TAKE1', S, 'The directory to chroot(2) into'),
  acceptRow('Suexec', 'FLAG', S, 'Enable or disable suEXEC support'),
];

export const coreModule: ModuleDef<CoreServerConf, CoreDirConf> = {
  name: 'core',
  id: 'core_module',
  source: 'core.c',
  createServer: () => ({ listen: [], serverAliases: [], errorDocuments: new Map() }),
  createDir: () => ({}),
  sections: coreSections,
  directives: [
    listen,
    serverName,
    serverAlias,
    valueRow('Timeout', SV, 'Timeout duration (sec)', laxSeconds('Timeout'), (c: CoreServerConf, ms: number) => (c.timeoutMs = ms)),
    flagRow('KeepAlive', SV, 'Whether persistent connections should be On or Off', (c: CoreServerConf, on) => (c.keepAlive = on)),
    valueRow(
      'KeepAliveTimeout',
      SV,
      'Keep-Alive timeout duration (sec)',
      (w) => {
        const d = parseDuration(w, 'KeepAliveTimeout');
        return d.ok ? d : { ok: false, error: 'KeepAliveTimeout has wrong format' };
      },
      (c: CoreServerConf, ms: number) => (c.keepAliveTimeoutMs = ms),
    ),
    valueRow('MaxKeepAliveRequests', SV, 'Maximum number of Keep-Alive requests per connection, or 0 for infinite', laxCount('MaxKeepAliveRequests'), (c: CoreServerConf, n: number) => (c.maxKeepAliveRequests = n)),
    limitRequestBody,
    valueRow('LimitRequestFields', SV, 'Limit (0 = unlimited) on max number of header fields in a request message', laxCount('LimitRequestFields'), (c: CoreServerConf, n: number) => (c.limitRequestFields = n)),
    valueRow('LimitRequestFieldSize', SV, 'Limit on maximum size of an HTTP request header field', laxCount('LimitRequestFieldSize'), (c: CoreServerConf, n: number) => (c.limitRequestFieldSize = n)),
    valueRow('LimitRequestLine', SV, 'Limit on maximum size of an HTTP request line', laxCount('LimitRequestLine'), (c: CoreServerConf, n: number) => (c.limitRequestLine = n)),
    valueRow('PidFile', S, 'A file for logging the server process ID', (w) => ({ ok: true, value: w }), (c: CoreServerConf, f: string) => (c.pidFile = f)),
    valueRow('GracefulShutdownTimeout', S, 'Maximum time in seconds to wait for child processes to complete transactions during shutdown', laxSeconds('GracefulShutdownTimeout'), (c: CoreServerConf, ms: number) => (c.gracefulShutdownTimeoutMs = ms)),
    valueRow('StartServers', S, 'Number of child processes launched at server startup', laxCount('StartServers'), (c: CoreServerConf, n: number) => (c.workers ??= n)),
    {
      ...valueRow('WorkerProcesses', S, "Worker processes sharing the listeners: a number, or 'auto' for one per core (tsproxyd)", workerCount, (c: CoreServerConf, n: number) => (c.workers = n)),
      tsproxydOnly: "WorkerProcesses is a tsproxyd directive (httpd's MPMs use StartServers, which tsproxyd also reads); httpd 2.4 would reject it",
    },
    valueRow('UseCanonicalName', SVD, "How to work out the ServerName : Port when constructing URLs", (w) => parseEnum(w, ['On', 'Off', 'DNS'] as const, 'UseCanonicalName'), (c: CoreServerConf, v: 'On' | 'Off' | 'DNS') => (c.useCanonicalName = v)),
    valueRow('AllowEncodedSlashes', SV, 'Allow URLs containing \'/\' encoded as \'%2F\'', (w) => {
      const v = parseEnum(w, ['On', 'Off', 'NoDecode'] as const, 'AllowEncodedSlashes');
      return v.ok ? v : { ok: false, error: 'AllowEncodedSlashes must be On, Off, or NoDecode' };
    }, (c: CoreServerConf, v: 'On' | 'Off' | 'NoDecode') => (c.allowEncodedSlashes = v)),
    flagRow('MergeSlashes', SV, 'Controls whether consecutive slashes in the URI path are merged', (c: CoreServerConf, on) => (c.mergeSlashes = on)),
    errorDocument,
    documentRoot,
    setHandler,
    ...accepted,
  ],
};
