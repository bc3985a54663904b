// The comparison rule for config checks: same verdict as httpd (or the declared divergence), and for errors the
// same innermost file:line for the first error. Messages are shown, not compared (yet).
import type { CaseMeta } from './cases.js';
import { showWhere, type CheckOutcome, type Verdict } from './outcome.js';

export interface CheckComparison {
  /** The verdict tsproxyd must give: apache's, or the declared divergence. */
  readonly wanted: Verdict;
  /** Empty when tsproxyd agrees. */
  readonly mismatches: readonly string[];
  /** For the report: both first errors, the divergence in force. */
  readonly notes: readonly string[];
}

export function compareCheck(apache: CheckOutcome, ts: CheckOutcome, meta: CaseMeta, serverRoot: string): CheckComparison {
  const mismatches: string[] = [...ts.problems.map((p) => `tsproxyd contract: ${p}`)];
  const notes: string[] = [];
  const wanted = meta.diverges?.verdict ?? apache.verdict;

  if (meta.diverges) {
    notes.push(`declared divergence: tsproxyd says ${meta.diverges.verdict} where apache2 says ${apache.verdict} -- ${meta.diverges.reason}`);
    if (ts.verdict === apache.verdict && ts.verdict !== wanted) {
      mismatches.push(
        `declared divergence not observed: tsproxyd says ${ts.verdict}, like apache2, not ${wanted}` +
          (ts.errors[0] ? ` (tsproxyd: ${showWhere(ts.errors[0].where, serverRoot)}: ${ts.errors[0].message})` : '') +
          '; if that is intended now, remove the tsproxyd-diverges line',
      );
    }
  }
  if (ts.verdict !== wanted && !(meta.diverges && ts.verdict === apache.verdict)) {
    mismatches.push(`verdict: apache2 says ${apache.verdict}${meta.diverges ? ` (declared tsproxyd divergence: ${wanted})` : ''}, tsproxyd says ${ts.verdict}`);
  }

  const a = apache.errors[0];
  const t = ts.errors[0];
  if (a) notes.push(`apache2  first error at ${showWhere(a.where, serverRoot)}: ${a.message}`);
  if (t) notes.push(`tsproxyd first error at ${showWhere(t.where, serverRoot)}: ${t.message}`);

  if (!meta.diverges && apache.verdict === 'error' && ts.verdict === 'error') {
    if (!a?.where) {
      notes.push(
        a?.truncated
          ? 'apache2 truncated its message before the innermost file:line; only the verdict is compared'
          : 'apache2 gave no file:line for this error; only the verdict is compared',
      );
    } else if (!t?.where) {
      mismatches.push(`location: apache2 reports ${showWhere(a.where, serverRoot)}, tsproxyd printed no located error`);
    } else if (meta.line) {
      notes.push(`declared line divergence: tsproxyd reports line ${meta.line.line} -- ${meta.line.reason}`);
      if (a.where.file !== t.where.file || t.where.line !== meta.line.line) {
        mismatches.push(`location: tsproxyd should report ${a.where.file}:${meta.line.line} (declared), it reports ${showWhere(t.where, serverRoot)}`);
      }
    } else if (a.where.file !== t.where.file || a.where.line !== t.where.line) {
      mismatches.push(`location: apache2 reports ${showWhere(a.where, serverRoot)}, tsproxyd reports ${showWhere(t.where, serverRoot)}`);
    }
  }
  return { wanted, mismatches, notes };
}
