// mod_log_config's format strings (parse_log_string / parse_log_item), with httpd 2.4.71's messages, and the
// log target forms shared by CustomLog and ErrorLog.
import { dirname } from 'node:path';
import { serverRootRelative, statPath } from '../shared/files.js';

/** %-directives httpd 2.4.71 accepts (checked one by one with `apache2 -t`), plus the two-letter ^ti / ^to. */
const DIRECTIVES = new Set('abcefhiklmnopqrstuvxABCDHILOPRSTUVX'.split(''));

export interface LogItem {
  readonly kind: 'item';
  /** 'h', 's', '^ti'… */
  readonly directive: string;
  /** The {…} argument, when given. */
  readonly arg?: string;
  /** '<' asks for the original request, '>' for the final one (httpd's default differs per directive). */
  readonly want?: 'original' | 'final';
  /** %400,501{…}i logs only for these statuses; %!200{…}i for all others. */
  readonly statuses?: { readonly codes: readonly number[]; readonly negate: boolean };
}
export type LogPart = { readonly kind: 'text'; readonly text: string } | LogItem;

export interface LogFormat {
  readonly source: string;
  readonly parts: readonly LogPart[];
}

/** Literal text: httpd turns \n and \t into newline and tab and keeps other backslashes. */
function unescape(text: string): string {
  return text.replace(/\\([nt])/g, (_, c: string) => (c === 'n' ? '\n' : '\t'));
}

export function parseLogFormat(source: string): LogFormat | string {
  const parts: LogPart[] = [];
  let i = 0;
  while (i < source.length) {
    const pct = source.indexOf('%', i);
    if (pct !== i) {
      const end = pct < 0 ? source.length : pct;
      parts.push({ kind: 'text', text: unescape(source.slice(i, end)) });
      i = end;
      continue;
    }
    i++;
    if (source[i] === '%') {
      parts.push({ kind: 'text', text: '%' });
      i++;
      continue;
    }
    let arg: string | undefined;
    let want: LogItem['want'];
    const codes: number[] = [];
    let negate = false;
    for (;;) {
      const c = source[i];
      if (c === undefined) return 'Ran off end of LogFormat parsing args to some directive';
      if (c === '!') negate = !negate;
      else if (c === '<' || c === '>') want = c === '<' ? 'original' : 'final';
      else if (c === '{') {
        const close = source.indexOf('}', i);
        arg = source.slice(i + 1, close < 0 ? source.length : close);
        i = close < 0 ? source.length : close;
      } else if (/[0-9]/.test(c)) {
        const m = /^\d+/.exec(source.slice(i))![0];
        codes.push(Number(m));
        i += m.length - 1;
      } else if (c !== ',') {
        const directive = c === '^' ? source.slice(i, i + 3) : c;
        if (c === '^' ? directive !== '^ti' && directive !== '^to' : !DIRECTIVES.has(c)) return `Unrecognized LogFormat directive %${c}`;
        parts.push({
          kind: 'item',
          directive,
          ...(arg !== undefined ? { arg } : {}),
          ...(want ? { want } : {}),
          ...(codes.length > 0 ? { statuses: { codes, negate } } : {}),
        });
        i += directive.length;
        break;
      }
      i++;
    }
  }
  return { source, parts };
}

export type LogTarget =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'pipe'; readonly command: string; readonly shell: boolean }
  | { readonly kind: 'syslog'; readonly facility?: string; readonly tag?: string };

/**
 * `|$cmd` runs cmd through /bin/sh; `|prog args` and `||prog args` run prog directly (httpd 2.4's APR_PROGRAM_ENV:
 * no shell, no PATH search -- verified with apache2 2.4.71: `CustomLog "|cat >> f"` fails to start with AH00104,
 * `"|/usr/bin/tee -a f"` and `"|$cat >> f"` work). `syslog[:facility[:tag]]` when allowed, else a file.
 */
export function parseLogTarget(word: string, serverRoot: string, syslog: boolean): LogTarget {
  if (word.startsWith('|')) {
    const cmd = word.slice(word.startsWith('||') ? 2 : 1);
    return cmd.startsWith('$') ? { kind: 'pipe', command: cmd.slice(1), shell: true } : { kind: 'pipe', command: cmd, shell: false };
  }
  if (syslog && /^syslog(:|$)/.test(word)) {
    const [, facility, tag] = word.split(':');
    return { kind: 'syslog', ...(facility ? { facility } : {}), ...(tag ? { tag } : {}) };
  }
  return { kind: 'file', path: serverRootRelative(serverRoot, word) };
}

/** httpd opens log files after reading the config and fails when their directory is missing. */
export function missingLogDir(target: LogTarget): string | undefined {
  if (target.kind !== 'file') return undefined;
  const dir = dirname(target.path);
  return statPath(dir).kind === 'dir' ? undefined : `${dir.endsWith('/') ? dir : `${dir}/`}`;
}
