// The command line, parsed purely (no process access): httpd's flags where they exist.

export interface CliOptions {
  readonly mode: 'run' | 'check' | 'dump' | 'version' | 'help';
  readonly file: string;
  readonly defines: readonly string[];
  readonly serverRoot?: string;
  /** -k start|stop|restart|graceful|graceful-stop (later issues drive a running instance). */
  readonly signal?: string;
}

export type ArgsResult = { ok: true; options: CliOptions } | { ok: false; error: string };

export const DEFAULT_CONFIG = 'conf/httpd.conf';

export const USAGE = `Usage: tsproxyd [-D name] [-d directory] [-f file] [-t] [-S] [-v] [-h]
Options:
  -f file            read this configuration file (default: ${DEFAULT_CONFIG})
  -d directory       ServerRoot before the file sets one (default: the file's directory)
  -D name            define a name for <IfDefine name> directives (repeatable)
  -t, --check        check the configuration and exit: "Syntax OK" (0) or every error (1)
  -S, --dump         check, then show the virtual hosts and the ordered routing rules
  -v, --version      show the version
  -h, --help         show this help`;

export function parseArgs(argv: readonly string[]): ArgsResult {
  let mode: CliOptions['mode'] = 'run';
  let file = DEFAULT_CONFIG;
  let serverRoot: string | undefined;
  let signal: string | undefined;
  const defines: string[] = [];
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
      case '-t':
      case '--check':
        if (mode !== 'dump') mode = 'check';
        break;
      case '-S':
      case '--dump':
        mode = 'dump';
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
  return { ok: true, options: { mode, file, defines, ...(serverRoot ? { serverRoot } : {}), ...(signal ? { signal } : {}) } };
}
