// Core containers: <VirtualHost>, <Location>, <LocationMatch>, <Directory>, <DirectoryMatch>, <Files>,
// <FilesMatch>, <If>/<ElseIf>/<Else>, <Limit>/<LimitExcept>.
import { compilePcre } from '../../config/regex.js';
import { SV, SVD, S } from '../../config/rows.js';
import type { SectionDef } from '../../config/types.js';
import { parseHostPort } from './listen.js';

function regexCheck(source: string): string | undefined {
  const r = compilePcre(source);
  return r.ok ? undefined : `Regex could not be compiled (${r.error})`;
}

/** `<Location ~ "re">` and `<LocationMatch re>` share this: a regex form must compile. */
function pathOrRegex(matchForm: boolean) {
  return (args: readonly string[]): string | undefined => {
    if (matchForm) return regexCheck(args[0]!);
    if (args[0] === '~' && args[1] !== undefined) return regexCheck(args[1]);
    return undefined;
  };
}

function vhostAddrs(args: readonly string[]): string | undefined {
  for (const a of args) {
    if (a === '*' || a === '_default_') continue;
    const hp = parseHostPort(a);
    if (hp === undefined) return `Invalid address or port in <VirtualHost ${a}>`;
    if (hp.port !== undefined && hp.port !== '*' && !/^\d+$/.test(hp.port)) continue; // httpd warns and ignores
  }
  return undefined;
}

export const coreSections: readonly SectionDef[] = [
  { name: 'VirtualHost', cls: 'VirtualHost', where: S, opens: 'vhost', help: 'a virtual host address', check: vhostAddrs },
  { name: 'Location', cls: 'Location', where: SV, opens: 'dir', help: 'a URL path', check: pathOrRegex(false) },
  { name: 'LocationMatch', cls: 'Location', where: SV, opens: 'dir', help: 'a URL path regex', check: pathOrRegex(true) },
  { name: 'Directory', cls: 'Directory', where: SV, opens: 'dir', help: 'a directory path', check: pathOrRegex(false) },
  { name: 'DirectoryMatch', cls: 'Directory', where: SV, opens: 'dir', help: 'a directory regex', check: pathOrRegex(true) },
  { name: 'Files', cls: 'Files', where: SVD, notIn: ['Location'], opens: 'dir', help: 'a file name', check: pathOrRegex(false) },
  { name: 'FilesMatch', cls: 'Files', where: SVD, notIn: ['Location'], opens: 'dir', help: 'a file name regex', check: pathOrRegex(true) },
  { name: 'If', cls: 'If', where: SVD, opens: 'dir', help: 'an expression' },
  { name: 'ElseIf', cls: 'If', where: SVD, opens: 'dir', help: 'an expression' },
  { name: 'Else', cls: 'If', where: SVD, opens: 'dir', help: '', noArgs: true },
  { name: 'Limit', cls: 'Limit', where: SVD, opens: 'dir', help: 'HTTP methods' },
  { name: 'LimitExcept', cls: 'Limit', where: SVD, opens: 'dir', help: 'HTTP methods' },
];
