// RewriteMap lookups at request time (mod_rewrite's lookup_map): txt and rnd files are read once and kept in
// memory (httpd caches per key and re-reads when the file's mtime changes; tsproxyd re-reads the whole file when
// its mtime changed, checked at most once a second), int: maps are the four built-in functions, prg: maps take the
// answer their program gave for this request (prg.ts; none yet: the lookup fails for this pass). dbm: maps are
// refused by --check (maps.ts).
import { readFileSync, statSync } from 'node:fs';
import type { RewriteMapDef } from '../modules/rewrite/model.js';
import { escapeUri, unescapeUrl } from './escape.js';
import type { MapAnswers } from './types.js';

const RECHECK_MS = 1000;
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** lookup_map_txtfile over a whole file: the first line whose first word is the key gives its second word. */
export function parseTxtMap(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line[0] === '#' || isSpace(line.charCodeAt(0))) continue;
    const m = /^(\S+)\s+(\S+)/.exec(line);
    if (m && !map.has(m[1]!)) map.set(m[1]!, m[2]!);
  }
  return map;
}

interface FileMap {
  readonly def: RewriteMapDef;
  entries: Map<string, string>;
  mtimeMs: number;
  checkedAt: number;
}

export type MapLookup = { readonly value: string | undefined; readonly note: string };

function internal(func: RewriteMapDef['func'], key: string): string {
  switch (func) {
    case 'toupper':
      return key.replace(/[a-z]+/g, (s) => s.toUpperCase());
    case 'tolower':
      return key.replace(/[A-Z]+/g, (s) => s.toLowerCase());
    case 'escape':
      return escapeUri(key);
    default:
      return unescapeUrl(key);
  }
}

/** One server's maps (after RewriteOptions Inherit* merged them). */
export class MapStore {
  readonly #defs: ReadonlyMap<string, RewriteMapDef>;
  readonly #files = new Map<string, FileMap>();
  readonly #random: () => number;

  constructor(defs: ReadonlyMap<string, RewriteMapDef>, random: () => number = Math.random) {
    this.#defs = defs;
    this.#random = random;
    for (const def of defs.values()) {
      if ((def.type === 'txt' || def.type === 'rnd') && def.file !== undefined) this.#files.set(def.name, this.#load(def));
    }
  }

  #load(def: RewriteMapDef): FileMap {
    try {
      const st = statSync(def.file!);
      return { def, entries: parseTxtMap(readFileSync(def.file!, 'latin1')), mtimeMs: st.mtimeMs, checkedAt: Date.now() };
    } catch {
      return { def, entries: new Map(), mtimeMs: -1, checkedAt: Date.now() };
    }
  }

  #fresh(f: FileMap): FileMap {
    const now = Date.now();
    if (now - f.checkedAt < RECHECK_MS) return f;
    f.checkedAt = now;
    let mtime = -1;
    try {
      mtime = statSync(f.def.file!).mtimeMs;
    } catch {
      // httpd: "can't access text RewriteMap file": the lookup fails
    }
    if (mtime !== f.mtimeMs) {
      const next = this.#load(f.def);
      this.#files.set(f.def.name, next);
      return next;
    }
    return f;
  }

  /** Every prg: map definition (prg.ts starts one program per definition). */
  programs(): RewriteMapDef[] {
    return [...this.#defs.values()].filter((d) => d.type === 'prg');
  }

  /**
   * ${name:key}: the value, or undefined (unknown map, no entry, an empty txt value, an unsupported map type).
   * `answers`: the request's program answers, for prg: maps.
   */
  lookup(name: string, key: string, answers?: MapAnswers): MapLookup {
    const def = this.#defs.get(name);
    if (def === undefined) return { value: undefined, note: `map ${name} does not exist` };
    switch (def.type) {
      case 'txt':
      case 'rnd': {
        const f = this.#files.get(name);
        const found = f === undefined ? undefined : this.#fresh(f).entries.get(key);
        if (found === undefined) return { value: undefined, note: `map lookup FAILED: map=${name}[txt] key=${key}` };
        const value = def.type === 'rnd' ? this.#pick(found) : found;
        return { value: value === '' ? undefined : value, note: `map lookup OK: map=${name}[txt] key=${key} -> val=${found}` };
      }
      case 'int': {
        const value = internal(def.func, key);
        return { value, note: `map lookup OK: map=${name} key=${key} -> val=${value}` };
      }
      case 'prg': {
        const value = answers?.answer(def, key);
        if (value === undefined) return { value: undefined, note: `map lookup FAILED: map=${name} key=${key} (no answer from the program yet)` };
        if (value === null) return { value: undefined, note: `map lookup FAILED: map=${name} key=${key}` };
        // An empty line is an empty value: unlike a txt map's miss, the default does not apply (httpd).
        return { value, note: `map lookup OK: map=${name} key=${key} -> val=${value}` };
      }
      default:
        return { value: undefined, note: `map lookup FAILED: map=${name} key=${key} (${def.type}: maps are not supported by tsproxyd)` };
    }
  }

  /** select_random_value_part: one of the '|'-separated alternatives. */
  #pick(value: string): string {
    const parts = value.split('|');
    return parts.length === 1 ? value : parts[Math.min(parts.length - 1, Math.floor(this.#random() * parts.length))]!;
  }
}
