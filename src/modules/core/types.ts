import type { Loc } from '../../../grammar/ast.js';
import type { ListenAddr } from './listen.js';

export interface CoreServerConf {
  listen: (ListenAddr & { loc: Loc })[];
  serverName?: { scheme?: string; host: string; port?: number; loc: Loc };
  serverAliases: string[];
  timeoutMs?: number;
  keepAlive?: boolean;
  keepAliveTimeoutMs?: number;
  maxKeepAliveRequests?: number;
  limitRequestBody?: number;
  limitRequestFields?: number;
  limitRequestFieldSize?: number;
  limitRequestLine?: number;
  pidFile?: string;
  gracefulShutdownTimeoutMs?: number;
  /** WorkerProcesses (tsproxyd's own directive; StartServers is read as a fallback); 0 = one per core. */
  workers?: number;
  useCanonicalName?: 'On' | 'Off' | 'DNS';
  /** DocumentRoot, resolved against ServerRoot (tsproxyd serves no files; per-directory RewriteRules see it). */
  documentRoot?: string;
  allowEncodedSlashes?: 'On' | 'Off' | 'NoDecode';
  mergeSlashes?: boolean;
  errorDocuments: Map<number, string>;
}

export interface CoreDirConf {
  handler?: string;
  limitRequestBody?: number;
}
