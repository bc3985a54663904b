// Choosing a member: httpd's ap_proxy_balancer_get_best_worker (proxy_util.c) and, for sticky sessions,
// find_route_worker and force_recovery (mod_proxy_balancer.c). Pure over MemberState: no sockets, no clock of its
// own (`now` is passed in), so unit tests drive it directly.
import type { LbMethod } from './lbmethods.js';
import type { MemberState } from './member.js';

/**
 * lbset tiers in order: within the lowest tier that yields a member, the lbmethod picks among the usable members
 * that are neither hot spares (+R) nor hot standbys (+H); then usable spares of that tier may win, but at most as
 * many as there are unusable ordinary members in it; standbys only when nothing else in the tier was found.
 * Draining members (+N) are skipped. Members in error whose retry= has passed are taken out of error on the way.
 */
export function bestMember(members: readonly MemberState[], method: LbMethod, now: number): MemberState | undefined {
  const baton = method.start();
  let best: MemberState | undefined;
  let maxLbset = 0;
  for (let cur = 0; best === undefined && cur <= maxLbset; cur++) {
    let unusable = 0;
    let spares: MemberState[] | undefined; // made only when the tier has one (the common balancer has none)
    let standbys: MemberState[] | undefined;
    for (const m of members) {
      if (m.lbset > maxLbset) maxLbset = m.lbset;
      if (m.lbset !== cur || m.has('N')) continue;
      if (!m.usable()) m.retry(now);
      if (m.has('R')) {
        if (m.usable()) (spares ??= []).push(m);
      } else if (m.has('H')) {
        if (m.usable()) (standbys ??= []).push(m);
      } else if (m.usable()) {
        if (method.isBest(m, best, baton)) best = m;
      } else unusable++;
    }
    if (spares !== undefined) for (let i = 0; i < spares.length && i < unusable; i++) if (method.isBest(spares[i]!, best, baton)) best = spares[i];
    if (best === undefined && standbys !== undefined) for (const m of standbys) if (method.isBest(m, best, baton)) best = m;
  }
  if (best !== undefined) method.elected(best, baton);
  return best;
}

/**
 * The member whose route= is `route`: ordinary members first, then hot standbys. One that is unusable (after a
 * retry) hands over to the member its redirect= names, when that one is usable.
 */
export function routeMember(members: readonly MemberState[], route: string, now: number, depth = 0): MemberState | undefined {
  for (const standby of [false, true]) {
    for (const m of members) {
      if (m.has('H') !== standby) continue;
      if (m.route === '' || m.route !== route) continue;
      if (m.usable()) return m;
      m.retry(now);
      if (m.usable()) return m;
      // A redirect chain is followed as httpd does, one level per unusable member; a cycle ends (httpd recurses).
      if (m.redirect !== '' && depth < members.length) {
        const r = routeMember(members, m.redirect, now, depth + 1);
        if (r !== undefined && !r.usable()) r.retry(now);
        if (r !== undefined && r.usable()) return r;
      }
    }
  }
  return undefined;
}

/** force_recovery: when every member is in error (after retries) and forcerecovery is on, all are taken out of it. */
export function forceRecovery(members: readonly MemberState[], enabled: boolean, now: number): boolean {
  for (const m of members) {
    if (!m.has('E')) return false;
    m.retry(now);
    if (!m.has('E')) return false;
  }
  if (!enabled || members.length === 0) return false;
  for (const m of members) {
    m.retries++;
    m.flags.delete('E');
  }
  return true;
}

/**
 * A sticky pick counts like a byrequests election over every usable member (mod_proxy_balancer's default
 * updatelbstatus), so that routed requests weigh in the rotation too.
 */
export function countStickyPick(members: readonly MemberState[], chosen: MemberState): void {
  let total = 0;
  for (const m of members) {
    if (!m.usable()) continue;
    m.lbstatus += m.lbfactor;
    total += m.lbfactor;
  }
  chosen.lbstatus -= total;
}
