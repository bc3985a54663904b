// The lbmethods as httpd's providers define them (modules/proxy/balancers/mod_lbmethod_*.c): each is an "is best"
// test that get-best-worker (select.ts) calls on every usable candidate in order, with a per-pick baton, and a
// step run on the elected member afterwards. A table, one row per method.
import type { MemberState } from './member.js';

export interface LbMethod {
  /** A fresh baton for one election. */
  start(): { total: number };
  /** Called for each candidate in config order; true makes it the best so far. May update counters (byrequests). */
  isBest(current: MemberState, best: MemberState | undefined, baton: { total: number }): boolean;
  /** After the election. */
  elected(m: MemberState, baton: { total: number }): void;
}

/**
 * byrequests: each candidate's lbstatus grows by its lbfactor; the largest lbstatus wins (the first on a tie); the
 * winner gives back the sum of the factors handed out. Loadfactors 1/2/3 give c b a c b c, repeating (apache2).
 */
const byrequests: LbMethod = {
  start: () => ({ total: 0 }),
  isBest(cur, best, baton) {
    cur.lbstatus += cur.lbfactor;
    baton.total += cur.lbfactor;
    return best === undefined || cur.lbstatus > best.lbstatus;
  },
  elected(m, baton) {
    m.lbstatus -= baton.total;
  },
};

/** bybusyness: fewest requests in flight; on a tie, byrequests' counting decides. */
const bybusyness: LbMethod = {
  start: () => ({ total: 0 }),
  isBest(cur, best, baton) {
    cur.lbstatus += cur.lbfactor;
    baton.total += cur.lbfactor;
    return best === undefined || cur.busy < best.busy || (cur.busy === best.busy && cur.lbstatus > best.lbstatus);
  },
  elected(m, baton) {
    m.lbstatus -= baton.total;
  },
};

/** bytraffic: least (bytes sent + bytes read), each divided by the lbfactor (integer division, as httpd's apr_off_t). */
const bytraffic: LbMethod = {
  start: () => ({ total: 0 }),
  isBest(cur, best, baton) {
    const traffic = Math.trunc(cur.transferred / cur.lbfactor) + Math.trunc(cur.read / cur.lbfactor);
    if (best === undefined || traffic < baton.total) {
      baton.total = traffic;
      return true;
    }
    return false;
  },
  elected() {},
};

export const LB_METHODS: Readonly<Record<string, LbMethod>> = {
  byrequests,
  bybusyness,
  bytraffic,
  // mod_lbmethod_heartbeat reads mod_heartmonitor's data, which tsproxyd does not collect: byrequests stands in.
  heartbeat: byrequests,
};
