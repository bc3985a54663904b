// The command line, parsed purely (no process access): httpd's flags where they exist.

/** --explain: one request to route without a server (src/cli/explain.ts). */
export interface ExplainOptions {
  readonly requestLine: string;
  readonly headers: readonly string[];
  readonly remote?: string;
  readonly local?: string;
  readonly tls: boolean;
}

export interface CliOptions {
  readonly mode: 'run' | 'check' | 'dump' | 'explain' | 'version' | 'help';
  readonly file: string;
  readonly defines: readonly string[];
  readonly serverRoot?: string;
  /** -k start|stop|restart|graceful|graceful-stop: drive the running instance through its PidFile. */
  readonly signal?: string;
  /** -X: one process, whatever WorkerProcesses says (httpd's -X: no children). */
  readonly singleProcess?: boolean;
  readonly explain?: ExplainOptions;
}

export type ArgsResult = { ok: true; options: CliOptions } | { ok: false; error: string };

export const DEFAULT_CONFIG = 'conf/httpd.conf';

export const USAGE = `Usage: tsproxyd [-D name] [-d directory] [-f file] [-X] [-k verb] [-t] [-S] [-v] [-h]
       tsproxyd [-f file] --explain 'GET /path?query HTTP/1.1' [-H 'Name: value']... [--remote addr[:port]]
                [--local addr:port] [--tls]
Options:
  -f file            read this configuration file (default: ${DEFAULT_CONFIG})
  -d directory       ServerRoot before the file sets one (default: the file's directory)
  -D name            define a name for <IfDefine name> directives (repeatable)
  -X                 run as one process, whatever WorkerProcesses says (as httpd -X)
  -k start|stop|restart|graceful|graceful-stop
                     drive the server running with this configuration (through its PidFile)
  -t, --check        check the configuration and exit: "Syntax OK" (0) or every error (1)
  -S, --dump         check, then show the virtual hosts and the ordered routing rules
  --explain REQUEST  check, then show how this request is routed: the virtual host, every RewriteCond and
                     RewriteRule tried, the decision and the config line that made it (no server is started)
  -H 'Name: value'   a request header field for --explain (repeatable; give Host)
  --remote, --local  the client's address[:port] and the address:port it connects to (default: the first Listen)
  --tls              the request came over TLS (HTTPS, %{HTTPS} = on)
  -v, --version      show the version
  -h, --help         show this help`;

export function parseArgs(argv: readonly string[]): ArgsResult {
  let mode: CliOptions['mode'] = 'run';
  let file = DEFAULT_CONFIG;
  let serverRoot: string | undefined;
  let signal: string | undefined;
  let singleProcess = false;
  const defines: string[] = [];
  let requestLine: string | undefined;
  const headers: string[] = [];
  let remote: string | undefined;
  let local: string | undefined;
  let tls = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => {
      if (a.length > 2 && !a.startsWith('--')) return a.slice(2); // -fFILE, -DNAME
      return argv[++i];
    };
    const flag = a.startsWith('--') ? a : a.slice(0, 2);
    switch (flag) {
      case '-f':
      case '--file': {
        const v = value();
        if (v === undefined) return { ok: false, error: 'option -f needs a file name' };
        file = v;
        break;
      }
      case '-d': {
        const v = value();
        if (v === undefined) return { ok: false, error: 'option -d needs a directory' };
        serverRoot = v;
        break;
      }
      case '-D': {
        const v = value();
        if (v === undefined) return { ok: false, error: 'option -D needs a name' };
        // httpd: -D DUMP_VHOSTS is -S's spelling.
        if (v === 'DUMP_VHOSTS' || v === 'DUMP_RUN_CFG') mode = 'dump';
        else defines.push(v);
        break;
      }
      case '-k': {
        const v = value();
        if (v === undefined) return { ok: false, error: 'option -k needs start|stop|restart|graceful|graceful-stop' };
        signal = v;
        break;
      }
      case '-X':
        singleProcess = true;
        break;
      case '-t':
      case '--check':
        if (mode !== 'dump') mode = 'check';
        break;
      case '-S':
      case '--dump':
        mode = 'dump';
        break;
      case '--explain': {
        const v = value();
        if (v === undefined) return { ok: false, error: "option --explain needs a request line, such as 'GET / HTTP/1.1'" };
        requestLine = v;
        break;
      }
      case '-H':
      case '--header': {
        const v = value();
        if (v === undefined) return { ok: false, error: "option -H needs a header field, such as 'Host: example.com'" };
        headers.push(v);
        break;
      }
      case '--remote':
      case '--local': {
        const v = argv[++i];
        if (v === undefined) return { ok: false, error: `option ${a} needs an address` };
        if (a === '--remote') remote = v;
        else local = v;
        break;
      }
      case '--tls':
        tls = true;
        break;
      case '-v':
      case '--version':
        mode = 'version';
        break;
      case '-h':
      case '--help':
        mode = 'help';
        break;
      default:
        return { ok: false, error: `unknown option '${a}'` };
    }
  }
  if (requestLine === undefined && (headers.length > 0 || remote !== undefined || local !== undefined || tls)) {
    return { ok: false, error: '-H, --remote, --local and --tls describe the request for --explain, which is missing' };
  }
  const explain = requestLine === undefined ? undefined : { requestLine, headers, tls, ...(remote !== undefined ? { remote } : {}), ...(local !== undefined ? { local } : {}) };
  // --explain checks the configuration first, with or without -t.
  if (explain !== undefined && (mode === 'run' || mode === 'check')) mode = 'explain';
  return { ok: true, options: { mode, file, defines, ...(serverRoot ? { serverRoot } : {}), ...(signal ? { signal } : {}), ...(singleProcess ? { singleProcess } : {}), ...(explain ? { explain } : {}) } };
}
