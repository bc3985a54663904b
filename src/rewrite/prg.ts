// RewriteMap prg: maps (mod_rewrite's run_rewritemap_programs + lookup_map_program, httpd 2.4.71): one long-running
// child per map, started with the server (never by --check), fed one key per line on its stdin and answering one
// line on its stdout.
//   - the program is executed directly (argv as RewriteMap wrote it, no shell), in its own directory, its stderr
//     going to tsproxyd's; httpd does the same (APR_PROGRAM, apr_procattr_dir_set);
//   - lookups on one map are serialised (httpd holds a global mutex around the write and the read): a queue;
//   - a key holding '\n' is never sent (it would desynchronise the pipe): the lookup fails;
//   - the answer "NULL" (any case) is not-found, so the ${map:key|default} default applies; an empty line is an
//     empty value (no default), as httpd;
//   - a program that has exited gives an empty value (httpd reads end-of-file: apache2 2.4.71 logs "map lookup OK
//     … -> val=" and the default does not apply), and it is started again (at most once a second). httpd never
//     restarts it (every later lookup is empty until httpd restarts); tsproxyd does, and says so in the error log;
//   - a program that does not answer within the timeout (default 60 s, httpd's Timeout) fails the lookup and is
//     restarted, so that its late answer cannot be taken for the next key's (httpd would wait for ever).
// route() stays pure and synchronous: it never waits for a program. The engine asks a MapAnswers for each prg
// lookup; an unanswered one is recorded, and routeWithPrograms() runs route() again once the program answered, so
// the keys reach the program in the order the rules ask for them (one new key per pass).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname } from 'node:path';
import type { RewriteMapDef } from '../modules/rewrite/model.js';
import type { Plan } from '../route/types.js';
import type { MapAnswers } from './types.js';

export type PrgLog = (line: string) => void;

export interface PrgOptions {
  /** A lookup without an answer after this long fails and the program is restarted. */
  readonly timeoutMs?: number;
  /** The least time between two starts of a program that keeps dying. */
  readonly restartDelayMs?: number;
}

interface Pending {
  readonly resolve: (value: string | null) => void;
  readonly timer: NodeJS.Timeout;
}

/** One map's program. */
export class PrgProgram {
  readonly def: RewriteMapDef;
  readonly #log: PrgLog;
  readonly #timeoutMs: number;
  readonly #restartDelayMs: number;
  #child: ChildProcessWithoutNullStreams | undefined;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #buffer = '';
  #pending: Pending | undefined;
  /** The tail of the lookup queue: each lookup waits for the one before it. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** How many times the program was started (for tests and the log). */
  starts = 0;

  constructor(def: RewriteMapDef, log: PrgLog, options: PrgOptions = {}) {
    this.def = def;
    this.#log = log;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#restartDelayMs = options.restartDelayMs ?? 1000;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  start(): void {
    if (this.#closed || this.#child !== undefined) return;
    const argv = this.def.argv ?? [this.def.file ?? ''];
    const [cmd = '', ...args] = argv;
    this.#startedAt = Date.now();
    this.starts++;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(cmd, args, { cwd: dirname(cmd), stdio: ['pipe', 'pipe', 'inherit'] as never });
    } catch (err) {
      this.#log(`[rewrite:error] AH00654: mod_rewrite: could not start RewriteMap program ${cmd}: ${(err as Error).message}`);
      this.#scheduleRestart();
      return;
    }
    this.#child = child;
    this.#buffer = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.#stdoutOnData(chunk));
    child.stdout.on('end', () => this.#answer(this.#buffer)); // end-of-file: what came of the line, maybe nothing
    child.stdin.on('error', () => undefined); // EPIPE from a program that exited: its exit handler deals with it
    child.on('error', (err) => {
      this.#log(`[rewrite:error] AH00654: mod_rewrite: could not start RewriteMap program ${cmd}: ${err.message}`);
      this.#childGone(child);
    });
    child.on('exit', (code, signal) => {
      if (!this.#closed) this.#log(`[rewrite:error] RewriteMap program ${cmd} (map ${this.def.name}) exited (${signal ?? `status ${code}`}); restarting it`);
      this.#childGone(child);
    });
  }

  #childGone(child: ChildProcessWithoutNullStreams): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#answer('');
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    if (this.#closed || this.#restartTimer !== undefined) return;
    const wait = Math.max(0, this.#startedAt + this.#restartDelayMs - Date.now());
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.start();
    }, wait);
    this.#restartTimer.unref();
  }

  #stdoutOnData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      // A line nobody asked for (after a timeout) is dropped; the program was restarted anyway.
      this.#answer(line.length === 4 && line.toUpperCase() === 'NULL' ? null : line);
    }
  }

  #answer(value: string | null): void {
    const p = this.#pending;
    if (p === undefined) return;
    this.#pending = undefined;
    clearTimeout(p.timer);
    p.resolve(value);
  }

  /** The program's answer for `key`: the line ('' from a dead program), or null (NULL, no answer in time, a key with '\n'). */
  lookup(key: string): Promise<string | null> {
    const run = this.#queue.then(() => this.#ask(key));
    this.#queue = run;
    return run;
  }

  #ask(key: string): Promise<string | null> {
    const child = this.#child;
    if (key.includes('\n') || this.#closed) return Promise.resolve(null);
    if (child === undefined) return Promise.resolve(''); // exited, not restarted yet: end-of-file
    return new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        this.#log(`[rewrite:error] RewriteMap program ${this.def.argv?.[0] ?? ''} (map ${this.def.name}) gave no answer within ${this.#timeoutMs} ms; restarting it`);
        this.#answer(null);
        child.kill('SIGTERM');
      }, this.#timeoutMs);
      this.#pending = { resolve, timer };
      child.stdin.write(Buffer.from(`${key}\n`, 'latin1'));
    });
  }

  /** Stops the program (its stdin is closed, then SIGTERM) and fails what is still waiting. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#restartTimer !== undefined) clearTimeout(this.#restartTimer);
    this.#answer(null);
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
      child.kill('SIGTERM');
    });
  }
}

/** The answers the programs gave for one request; records the first lookup that has none yet. */
export class PrgAnswers implements MapAnswers {
  readonly #known = new Map<RewriteMapDef, Map<string, string | null>>();
  wanted: { readonly def: RewriteMapDef; readonly key: string } | undefined;
  /** No more program lookups for this request: any key not answered yet fails. */
  exhausted = false;

  answer(def: RewriteMapDef, key: string): string | null | undefined {
    const v = this.#known.get(def)?.get(key);
    if (v !== undefined) return v;
    if (this.exhausted) return null;
    if (this.wanted === undefined) this.wanted = { def, key };
    return undefined;
  }

  set(def: RewriteMapDef, key: string, value: string | null): void {
    let m = this.#known.get(def);
    if (m === undefined) this.#known.set(def, (m = new Map()));
    m.set(key, value);
  }
}

/** A request's facts, as route() takes them, with the answers of this request's program lookups. */
export interface WithAnswers {
  readonly mapAnswers?: MapAnswers;
}

/** More distinct program lookups than this in one request fail (the rules are probably looping). */
const MAX_LOOKUPS = 64;

/** Every prg: map of a server set, each started once. */
export class PrgPrograms {
  readonly #programs = new Map<RewriteMapDef, PrgProgram>();

  constructor(defs: Iterable<RewriteMapDef>, log: PrgLog, options: PrgOptions = {}) {
    for (const def of defs) if (def.type === 'prg' && !this.#programs.has(def)) this.#programs.set(def, new PrgProgram(def, log, options));
  }

  get size(): number {
    return this.#programs.size;
  }

  program(def: RewriteMapDef): PrgProgram | undefined {
    return this.#programs.get(def);
  }

  start(): void {
    for (const p of this.#programs.values()) p.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#programs.values()].map((p) => p.close()));
  }

  /**
   * route() with the programs' answers: synchronous (the Decision itself) when the request needed no program,
   * else a Promise of the Decision route() makes once every lookup it asked for has its answer.
   */
  route<F extends WithAnswers, D>(route: (facts: F) => D, facts: F): D | Promise<D> {
    const answers = new PrgAnswers();
    const first = route({ ...facts, mapAnswers: answers });
    if (answers.wanted === undefined) return first;
    return this.#complete(route, facts, answers);
  }

  async #complete<F extends WithAnswers, D>(route: (facts: F) => D, facts: F, answers: PrgAnswers): Promise<D> {
    for (let n = 1; ; n++) {
      const w = answers.wanted!;
      answers.wanted = undefined;
      const program = this.#programs.get(w.def);
      answers.set(w.def, w.key, program === undefined ? null : await program.lookup(w.key));
      if (n >= MAX_LOOKUPS) answers.exhausted = true;
      const d = route({ ...facts, mapAnswers: answers });
      if (answers.wanted === undefined) return d;
    }
  }
}

/** The prg: maps of every server whose rewrite phase runs (httpd starts none for a server with the engine off). */
export function planPrograms(plan: Plan): RewriteMapDef[] {
  const defs = new Set<RewriteMapDef>();
  for (const server of [plan.main, ...plan.vhosts]) {
    const r = server.routing;
    for (const store of [r.rewrite?.maps, r.rewriteDirs?.maps]) for (const def of store?.programs() ?? []) defs.add(def);
  }
  return [...defs];
}
