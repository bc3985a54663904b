// The case-insensitive name → row lookup built from the module list (httpd's command hash).
import type { DirectiveDef, ModuleDef, SectionDef } from './types.js';

export interface Registered<T> {
  readonly def: T;
  readonly module: ModuleDef;
}

export interface Registry {
  readonly modules: readonly ModuleDef[];
  directive(name: string): Registered<DirectiveDef> | undefined;
  section(name: string): Registered<SectionDef> | undefined;
  /** Module by httpd identifier ('proxy_module'), source file ('mod_proxy.c') or short name ('proxy'), any case (LogLevel). */
  module(spec: string): ModuleDef | undefined;
  /** Module by exact identifier or source file name, as <IfModule> and LoadModule compare (case-sensitive). */
  moduleExact(spec: string): ModuleDef | undefined;
  /** Identifiers of httpd's own modules that tsproxyd neither implements nor emulates (LoadModule warns). */
  readonly otherHttpdModules: ReadonlySet<string>;
  /** Every directive and section spelling, for did-you-mean. */
  readonly names: readonly string[];
}

export function buildRegistry(modules: readonly ModuleDef[], httpdModules: ReadonlySet<string> = new Set()): Registry {
  const directives = new Map<string, Registered<DirectiveDef>>();
  const sections = new Map<string, Registered<SectionDef>>();
  const byModule = new Map<string, ModuleDef>();
  const exact = new Map<string, ModuleDef>();
  for (const module of modules) {
    for (const key of [module.id, module.source, module.name]) byModule.set(key.toLowerCase(), module);
    exact.set(module.id, module);
    exact.set(module.source, module);
    for (const def of module.directives) {
      const key = def.name.toLowerCase();
      if (directives.has(key)) throw new Error(`directive ${def.name} registered twice`);
      directives.set(key, { def, module });
    }
    for (const def of module.sections ?? []) {
      const key = def.name.toLowerCase();
      if (sections.has(key)) throw new Error(`section <${def.name}> registered twice`);
      sections.set(key, { def, module });
    }
  }
  const names = [...[...directives.values()].map((r) => r.def.name), ...[...sections.values()].map((r) => `<${r.def.name}`)];
  const bySpelling = new Map<string, Registered<DirectiveDef>>();
  const otherHttpdModules = new Set([...httpdModules].filter((id) => !exact.has(id)));
  return {
    modules,
    otherHttpdModules,
    // Names as written repeat (thousands of 'ProxyPass'): remember each spelling's lookup.
    directive: (name) => {
      let hit = bySpelling.get(name);
      if (hit === undefined) {
        hit = directives.get(name.toLowerCase());
        if (hit !== undefined) bySpelling.set(name, hit); // only known spellings: the map stays bounded
      }
      return hit;
    },
    section: (name) => sections.get(name.toLowerCase()),
    module: (spec) => byModule.get(spec.toLowerCase()),
    moduleExact: (spec) => exact.get(spec),
    names,
  };
}
