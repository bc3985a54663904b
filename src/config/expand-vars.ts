// ${VAR} expansion of a config line, as httpd's ap_resolve_env: Define'd variables first, then the process
// environment; an unknown name is left as written with a warning (AH00111); names with ':' are RewriteMap
// calls and are left alone silently.

export interface Expansion {
  readonly text: string;
  /** Names that were neither defined nor in the environment. */
  readonly undefinedNames: readonly string[];
}

const VAR = /\$\{([^}]*)\}/g;

export function expandVars(
  text: string,
  defines: ReadonlyMap<string, string | undefined>,
  env: Readonly<Record<string, string | undefined>>,
): Expansion {
  if (!text.includes('${')) return { text, undefinedNames: [] };
  const undefinedNames: string[] = [];
  const out = text.replace(VAR, (whole, name: string) => {
    if (name.includes(':')) return whole;
    const defined = defines.get(name);
    if (defined !== undefined) return defined;
    const fromEnv = env[name];
    if (fromEnv !== undefined) return fromEnv;
    undefinedNames.push(name);
    return whole;
  });
  return { text: out, undefinedNames };
}
