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
  /** Module by httpd identifier ('proxy_module'), source file ('mod_proxy.c') or short name ('proxy'). */
  module(spec: string): ModuleDef | undefined;
  /** Every directive and section spelling, for did-you-mean. */
  readonly names: readonly string[];
}

export function buildRegistry(modules: readonly ModuleDef[]): Registry {
  const directives = new Map<string, Registered<DirectiveDef>>();
  const sections = new Map<string, Registered<SectionDef>>();
  const byModule = new Map<string, ModuleDef>();
  for (const module of modules) {
    for (const key of [module.id, module.source, module.name]) byModule.set(key.toLowerCase(), module);
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
  return {
    modules,
    directive: (name) => directives.get(name.toLowerCase()),
    section: (name) => sections.get(name.toLowerCase()),
    module: (spec) => byModule.get(spec.toLowerCase()),
    names,
  };
}
