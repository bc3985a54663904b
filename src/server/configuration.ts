// One configuration load, made usable: everything a checked ConfigModel makes for serving it (the plan, its logs,
// its RewriteMap programs and the server options built from them), and how it is put away. Shared by the
// foreground server (src/cli/serve.ts) and the library API (src/library/create-proxy.ts).
import { healthCheckerFor } from '../balancer/hcheck-runner.js';
import type { ConfigModel } from '../config/types.js';
import type { HcheckServerConf } from '../modules/proxy/hcheck.js';
import { openServerLogs, type ErrorLog } from '../log/open.js';
import { planPrograms, PrgPrograms } from '../rewrite/prg.js';
import { compilePlan } from '../route/compile.js';
import { route } from '../route/route.js';
import type { RequestFacts } from '../route/types.js';
import { listenerTls } from '../tls/listener.js';
import { limitsFromConfig } from './limits-from-config.js';
import type { ProxyServerOptions } from './server.js';

/** Old RewriteMap programs outlive a reload this long, for requests still waiting on their answers. */
const PROGRAM_LINGER_MS = 10_000;

export interface Configuration {
  readonly model: ConfigModel;
  readonly options: ProxyServerOptions;
  /** The configuration's ErrorLog behind its LogLevel (stderr without an ErrorLog). */
  readonly log: (line: string) => void;
  readonly errorLog: ErrorLog;
  readonly programs: PrgPrograms;
}

/**
 * Everything one configuration makes, or why it cannot be used. `log`: what the server logs through (the caller's
 * indirection to the current configuration's ErrorLog, so that a reload's new ErrorLog takes over).
 */
export function buildConfiguration(model: ConfigModel, log: (line: string) => void): Configuration | { readonly error: string } {
  const plan = compilePlan(model);
  // Logs: ErrorLog (stderr without one) behind LogLevel, and the access logs, opened once per load.
  const logs = openServerLogs(model, plan);
  if (!logs.ok) return { error: logs.error };
  // RewriteMap prg: programs run as long as their configuration (httpd starts them in its post_config phase).
  const programs = new PrgPrograms(planPrograms(plan), logs.log);
  programs.start();
  const routeOne = (facts: RequestFacts) => route(plan, facts);
  const options: ProxyServerOptions = {
    plan,
    route: programs.size === 0 ? routeOne : (facts) => programs.route(routeOne, facts),
    limits: limitsFromConfig(model),
    log,
    accessLogs: logs.accessLogs, // closed (flushed) by the server when its configuration retires
    listenerTls: (host, port) => listenerTls(plan, host, port),
    // mod_proxy_hcheck: run by the server while it serves this plan (started at listen, stopped by a reload or close).
    healthChecks: healthCheckerFor(plan, logs.log, (model.main.confs.get('proxy_hcheck') as HcheckServerConf | undefined)?.tpsize),
  };
  return { model, options, log: logs.log, errorLog: logs.errorLog, programs };
}

/** A configuration the server never used (a refused reload): close all it opened. */
export async function discardConfiguration(c: Configuration): Promise<void> {
  await c.options.accessLogs?.close();
  await c.programs.close();
  await c.errorLog.close();
}

/** A configuration a reload replaced: its programs linger for requests still waiting on them; its ErrorLog closes. */
export async function retireConfiguration(c: Configuration): Promise<void> {
  setTimeout(() => void c.programs.close(), PROGRAM_LINGER_MS).unref();
  await c.errorLog.close();
}

/** The last configuration, at stop (its access logs are the server's to close). */
export async function stopConfiguration(c: Configuration): Promise<void> {
  await c.programs.close();
  await c.errorLog.close();
}
