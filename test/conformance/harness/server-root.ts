// A throwaway ServerRoot per case: the case's files rendered into it, plus what apache2 needs before it will
// even check a config (logs/ for the default ErrorLog, a DocumentRoot that exists, the module directory).
//
//   <tmp>/tsp-XXXXXX/   (short: httpd truncates error messages at 8 KB, and an include loop's message repeats
//                        the path 128 times)
//     logs/          default ErrorLog directory (apache2 -t fails with AH02291 if it is missing)
//     htdocs/        an existing directory for DocumentRoot
//     run/           an existing directory for DefaultRuntimeDir, PidFile, Mutex
//     modules ->     symlink to apache's module directory, so RHEL-style `LoadModule x modules/mod_x.so` works
//     <case files>   rendered templates (modules.conf, the case's main file, any included files)
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { freePorts } from './ports.js';
import { isPortPlaceholder, placeholdersIn, render, type Vars } from './render.js';

export interface TemplateFile {
  /** Path inside the ServerRoot, '/'-separated, relative. */
  readonly path: string;
  readonly template: string;
  /** Where the template came from, for error messages. */
  readonly source: string;
}

export interface ServerRootSpec {
  readonly files: readonly TemplateFile[];
  /** Apache's module directory, linked as ServerRoot/modules and offered as @MODULES@. */
  readonly modulesDir?: string;
  /** Extra placeholder values. */
  readonly vars?: Vars;
}

export interface ServerRoot {
  /** Absolute, symlink-free path (so it compares equal to the paths both servers print). */
  readonly dir: string;
  /** Every placeholder value used to render the files. */
  readonly vars: Vars;
  /** Ports allocated for @PORT…@ placeholders, by name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Absolute path of a file inside the ServerRoot. */
  path(relative: string): string;
  /** Renders another template (an env value, a request) with the same values. */
  render(template: string, source: string): string;
  /** Deletes the directory unless TSPROXYD_CONFORMANCE_KEEP=1. */
  cleanup(): Promise<void>;
}

export async function prepareServerRoot(spec: ServerRootSpec): Promise<ServerRoot> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'tsp-')));
  await mkdir(join(dir, 'logs'));
  await mkdir(join(dir, 'htdocs'));
  await mkdir(join(dir, 'run'));
  if (spec.modulesDir !== undefined) await symlink(spec.modulesDir, join(dir, 'modules'));

  const portNames = [...new Set(spec.files.flatMap((f) => placeholdersIn(f.template)).filter(isPortPlaceholder))];
  const portNumbers = await freePorts(portNames.length);
  const ports: Record<string, number> = {};
  portNames.forEach((name, i) => (ports[name] = portNumbers[i] as number));

  const vars: Vars = {
    SERVERROOT: dir,
    ...(spec.modulesDir !== undefined ? { MODULES: spec.modulesDir } : {}),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    ...spec.vars,
  };

  const inside = (relative: string): string => {
    const abs = resolve(dir, relative);
    if (abs !== dir && !abs.startsWith(dir + sep)) throw new Error(`${relative} is outside the ServerRoot`);
    return abs;
  };

  for (const f of spec.files) {
    const target = inside(f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, render(f.template, vars, f.source));
  }

  return {
    dir,
    vars,
    ports,
    path: inside,
    render: (template, source) => render(template, vars, source),
    cleanup: async () => {
      if (process.env['TSPROXYD_CONFORMANCE_KEEP'] === '1') return;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
