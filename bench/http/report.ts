// Number formats, tables (aligned text for the terminal, Markdown for test/bench/*-latest.md) and the goal lines of
// a benchmark report. Shared by bench/http and bench/ws.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
}

/** rows[0] is the header; the first column left-aligned, the others right-aligned. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

export function mdTable(rows: string[][]): string {
  const [h, ...body] = rows;
  return [`| ${h!.join(' | ')} |`, `|${h!.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** One of an issue's targets: met, missed, or null when it could not be measured in this run. */
export interface Goal {
  readonly goal: string;
  readonly met: boolean | null;
  readonly detail: string;
}

export const mark = (g: Goal) => (g.met === null ? 'n/a ' : g.met ? 'MET ' : 'MISS');

/** Writes the run's JSON (bench/results/) and Markdown table (test/bench/), and says where. */
export function writeResults(jsonPath: string, json: unknown, mdPath: string, md: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
  mkdirSync(dirname(mdPath), { recursive: true });
  writeFileSync(mdPath, md);
  const rel = (f: string) => relative(process.cwd(), f) || f;
  process.stdout.write(`\nresults: ${rel(jsonPath)}, ${rel(mdPath)}\n`);
}
