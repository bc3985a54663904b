// Core containers: <VirtualHost>, <Location>, <LocationMatch>, <Directory>, <DirectoryMatch>, <Files>,
// <FilesMatch>, <If>/<ElseIf>/<Else>, <Limit>/<LimitExcept>.
import { compilePcre } from '../../config/regex.js';
import { SV, SVD, S } from '../../config/rows.js';
import { warnIfReDoS } from '../../config/regex-safety.js';
import type { SectionDef, Site } from '../../config/types.js';
import { parseAddrPort } from './listen.js';

function regexCheck(source: string, at: Site): string | undefined {
  const r = compilePcre(source);
  if (!r.ok) return `Regex could not be compiled (${r.error})`;
  warnIfReDoS(source, at);
  return undefined;
}

/**
 * `<Location ~ "re">` and `<LocationMatch re>` share this: one path (after `~`, one regex); more words are
 * httpd's "Multiple <Location> arguments not (yet) supported." (core.c dirsection/urlsection/filesection take
 * one ap_getword_conf word and refuse any text left); a regex form must compile.
 */
function pathOrRegex(name: string, matchForm: boolean) {
  return (args: readonly string[], at: Site): string | undefined => {
    const tilde = !matchForm && args[0] === '~';
    if (args.length > (tilde ? 2 : 1)) return `Multiple <${name}> arguments not (yet) supported.`;
    if (matchForm) return regexCheck(args[0]!, at);
    if (tilde && args[1] !== undefined) return regexCheck(args[1], at);
    return undefined;
  };
}

/** <If>/<ElseIf> take one (quoted) expression word. */
function oneExpression(name: string) {
  return (args: readonly string[]): string | undefined =>
    args.length > 1 ? `Multiple <${name}> arguments not supported.` : undefined;
}

/**
 * httpd's vhost.c get_addresses for each address of <VirtualHost>: a trailing `:*` (or a lone `*`) is a wildcard
 * port, the rest goes through apr_parse_addr_port. A host name that does not resolve is only a warning in httpd
 * ("Could not resolve host name … -- ignoring!"), so names are not judged here.
 */
function vhostAddrs(args: readonly string[]): string | undefined {
  for (const a of args) {
    if (a === '') continue;
    const w = a.length >= 2 && a.endsWith(':*') ? a.slice(0, -2) : a;
    const ap = parseAddrPort(w);
    if (ap === undefined) return 'The address or port is invalid';
    if (ap.host === undefined) return 'Missing address for VirtualHost';
  }
  return undefined;
}

export const coreSections: readonly SectionDef[] = [
  { name: 'VirtualHost', cls: 'VirtualHost', where: S, opens: 'vhost', help: 'a virtual host address', check: vhostAddrs },
  { name: 'Location', cls: 'Location', where: SV, opens: 'dir', help: 'a URL path', check: pathOrRegex('Location', false) },
  { name: 'LocationMatch', cls: 'Location', where: SV, opens: 'dir', help: 'a URL path regex', check: pathOrRegex('LocationMatch', true) },
  { name: 'Directory', cls: 'Directory', where: SV, opens: 'dir', help: 'a directory path', check: pathOrRegex('Directory', false) },
  { name: 'DirectoryMatch', cls: 'Directory', where: SV, opens: 'dir', help: 'a directory regex', check: pathOrRegex('DirectoryMatch', true) },
  { name: 'Files', cls: 'Files', where: SVD, notIn: ['Location'], opens: 'dir', help: 'a file name', check: pathOrRegex('Files', false) },
  { name: 'FilesMatch', cls: 'Files', where: SVD, notIn: ['Location'], opens: 'dir', help: 'a file name regex', check: pathOrRegex('FilesMatch', true) },
  { name: 'If', cls: 'If', where: SVD, opens: 'dir', help: 'an expression', check: oneExpression('If') },
  { name: 'ElseIf', cls: 'If', where: SVD, opens: 'dir', help: 'an expression', check: oneExpression('ElseIf') },
  { name: 'Else', cls: 'If', where: SVD, opens: 'dir', help: '', noArgs: true },
  { name: 'Limit', cls: 'Limit', where: SVD, opens: 'dir', help: 'HTTP methods' },
  { name: 'LimitExcept', cls: 'Limit', where: SVD, opens: 'dir', help: 'HTTP methods' },
];
