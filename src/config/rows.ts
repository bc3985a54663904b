// Row builders for the common shapes of directive (httpd's ap_set_flag_slot, ap_set_int_slot …), so a simple
// directive is one line in its module's table.
import type { Arity, DirectiveDef, SectionClass, Site, Where } from './types.js';
import { parseOnOff } from './values.js';

export const SV: readonly Where[] = ['server', 'vhost'];
export const SVD: readonly Where[] = ['server', 'vhost', 'dir'];
export const S: readonly Where[] = ['server'];
export const D: readonly Where[] = ['dir'];

type Target<C> = { server: C; dir: C | undefined } | { server: any; dir: any };

/** On|Off into a boolean field of the server (or, inside a section, the directory) config. */
export function flagRow<C>(
  name: string,
  where: readonly Where[],
  help: string,
  set: (conf: C, on: boolean) => void,
  scope: 'server' | 'dir-or-server' = 'server',
): DirectiveDef {
  return {
    name,
    args: 'FLAG',
    where,
    help,
    apply(conf: Target<C>, [w]) {
      const v = parseOnOff(w!, name);
      if (!v.ok) return v.error;
      set((scope === 'dir-or-server' ? (conf.dir ?? conf.server) : conf.server) as C, v.value);
    },
  };
}

/** A directive with one value parsed by `parse` (which returns the value or an error string). */
export function valueRow<C, T>(
  name: string,
  where: readonly Where[],
  help: string,
  parse: (word: string, at: Site) => { ok: true; value: T } | { ok: false; error: string } | { ok: 'warn'; value: T; warning: string },
  set: (conf: C, value: T) => void,
  scope: 'server' | 'dir-or-server' = 'server',
): DirectiveDef {
  return {
    name,
    args: 'TAKE1',
    where,
    help,
    apply(conf: Target<C>, [w], at) {
      const v = parse(w!, at);
      if (v.ok === false) return v.error;
      if (v.ok === 'warn') at.report('warning', v.warning, at.words[0]);
      set((scope === 'dir-or-server' ? (conf.dir ?? conf.server) : conf.server) as C, v.value);
    },
  };
}

/**
 * A directive tsproxyd accepts so that existing httpd.conf files load, but which changes nothing in a reverse
 * proxy (DocumentRoot, Options, User …). Its argument count is still checked.
 */
export function acceptRow(
  name: string,
  args: Arity,
  where: readonly Where[],
  help: string,
  notIn?: readonly SectionClass[],
): DirectiveDef {
  return { name, args, where, help, ...(notIn ? { notIn } : {}), effect: 'ignored', apply() {} };
}

/**
 * A directive httpd runs while reading the files (EXEC_ON_READ: Include, Define, LoadModule …): config/preprocess.ts
 * executes it; the row exists so that <IfDirective>, did-you-mean and the migration table know it.
 */
export function readPhaseRow(name: string, args: Arity, where: readonly Where[], help: string): DirectiveDef {
  return { name, args, where, help, effect: 'read-phase', apply() {} };
}
