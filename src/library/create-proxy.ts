// The library API: tsproxyd's request pipeline (the one its own listeners use, src/server/server.ts) mounted in an
// http.Server the application owns, configured by an httpd .conf file or text. The configuration's Listen lines are
// not opened: the application's server decides where requests come from.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { loadConfig, type LoadOptions } from '../config/load.js';
import { buildConfiguration, retireConfiguration, stopConfiguration, type Configuration } from '../server/configuration.js';
import { createProxyServer } from '../server/server.js';
import { ConfigError, toConfigDiagnostic, type ConfigDiagnostic } from './config-error.js';

/** Where a configuration comes from: a file, or text (relative paths resolve against `serverRoot`). */
export type ProxyConfigSource =
  | {
      /** Path of an httpd .conf file (Include, ServerRoot … work as in `tsproxyd -f`). */
      readonly configFile: string;
      /** ServerRoot until the file sets one (default: the file's directory), as `tsproxyd -d`. */
      readonly serverRoot?: string;
      /** Names for `<IfDefine>`, as `tsproxyd -D NAME`. */
      readonly defines?: readonly string[];
    }
  | {
      /** The configuration itself, in httpd's .conf language. */
      readonly configText: string;
      /** Where relative paths resolve until the text sets a ServerRoot (default: the current directory). */
      readonly serverRoot?: string;
      readonly defines?: readonly string[];
      /** The file name diagnostics give the text, under `serverRoot` (default `tsproxyd.conf`). */
      readonly fileName?: string;
    };

/** A configured proxy to mount in an `http.Server` (or `https.Server`) of your own. */
export interface ConfiguredProxy {
  /**
   * Serves one request as tsproxyd would: routing (virtual hosts by Host, ProxyPass, RewriteRule …), forwarding,
   * error pages. A `'request'` listener: `http.createServer(proxy.handle)`.
   */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Serves a request with an Upgrade header (WebSocket …): tunnels it when its route allows, else answers it over
   * HTTP and closes the socket. An `'upgrade'` listener: `server.on('upgrade', proxy.upgrade)`.
   */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /**
   * Loads the configuration again (from `source`, default: the one it was created with) and serves the next
   * requests with it; requests in flight and open tunnels are not touched. Rejected with a {@link ConfigError}
   * when the new configuration has errors: the old one keeps serving. Resolves with the new one's diagnostics.
   */
  reload(source?: ProxyConfigSource): Promise<readonly ConfigDiagnostic[]>;
  /** Closes open tunnels, backend connections, logs and RewriteMap programs. Your server is yours to close. */
  close(): Promise<void>;
  /** Warnings and notices of the configuration being served (errors never get this far). */
  readonly diagnostics: readonly ConfigDiagnostic[];
}

function loadOptionsOf(source: ProxyConfigSource): LoadOptions {
  const common = { ...(source.defines ? { defines: source.defines } : {}), ...(source.serverRoot !== undefined ? { serverRoot: resolve(source.serverRoot) } : {}) };
  if ('configFile' in source) return { file: source.configFile, ...common };
  return { file: resolve(source.serverRoot ?? process.cwd(), source.fileName ?? 'tsproxyd.conf'), text: source.configText, ...common };
}

/** Loads and checks a configuration, then makes all it needs; a ConfigError (or the failure to open a log). */
function configure(source: ProxyConfigSource, log: (line: string) => void): { configuration: Configuration; diagnostics: readonly ConfigDiagnostic[] } {
  const result = loadConfig(loadOptionsOf(source));
  const diagnostics = result.diagnostics.map((d) => toConfigDiagnostic(d, result.sources));
  if (result.errors > 0) throw new ConfigError(diagnostics);
  const configuration = buildConfiguration(result.model, log);
  if ('error' in configuration) throw new Error(configuration.error);
  return { configuration, diagnostics };
}

/**
 * Makes a proxy from an httpd configuration, to mount in a server of your own:
 *
 * ```ts
 * const proxy = await createProxy({ configFile: 'conf/httpd.conf' });
 * const server = http.createServer(proxy.handle);
 * server.on('upgrade', proxy.upgrade);
 * server.listen(8080);
 * ```
 *
 * Rejected with a {@link ConfigError} (every error with its file, line and column) when the configuration has
 * errors, as `tsproxyd --check` would report them.
 */
export async function createProxy(source: ProxyConfigSource): Promise<ConfiguredProxy> {
  // The server logs through `current`, so that a reload's new ErrorLog takes over.
  let current: { configuration: Configuration; diagnostics: readonly ConfigDiagnostic[] };
  const log = (line: string) => current.configuration.log(line);
  current = configure(source, log);
  const server = createProxyServer(current.configuration.options);
  let reloads = Promise.resolve();

  const reloadFrom = async (next: ProxyConfigSource): Promise<readonly ConfigDiagnostic[]> => {
    const loaded = configure(next, log);
    server.replaceConfiguration(loaded.configuration.options);
    const old = current;
    current = loaded;
    await retireConfiguration(old.configuration);
    return loaded.diagnostics;
  };

  return {
    handle: (req, res) => server.handleRequest(req, res),
    upgrade: (req, socket, head) => server.handleUpgrade(req, socket, head),
    reload(next = source) {
      const done = reloads.then(() => reloadFrom(next));
      reloads = done.then(() => undefined, () => undefined);
      return done;
    },
    async close() {
      await reloads;
      await server.close();
      await stopConfiguration(current.configuration);
    },
    get diagnostics() {
      return current.diagnostics;
    },
  };
}
