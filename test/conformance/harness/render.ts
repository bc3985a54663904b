// Config templates: a case file is a real httpd config except for @NAME@ placeholders, which are replaced
// on the same line (so line numbers in error messages are the template's own line numbers).
//
//   @SERVERROOT@   the temporary ServerRoot (absolute, symlinks resolved)
//   @MODULES@      the directory holding apache's mod_*.so (also linked as ServerRoot/modules)
//   @PORT@, @PORT2@, … distinct free TCP ports on 127.0.0.1, allocated per case

export type Vars = Readonly<Record<string, string>>;

const PLACEHOLDER = /@([A-Z][A-Z0-9_]*)@/g;

/** The placeholder names a template uses, without the @s, in order of first use. */
export function placeholdersIn(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) names.add(m[1] as string);
  return [...names];
}

/** Is this a port placeholder (PORT, PORT2, PORT_BACKEND, …)? */
export function isPortPlaceholder(name: string): boolean {
  return /^PORT\w*$/.test(name);
}

/** Replaces every @NAME@; an unknown name is an error, so a typo in a case cannot silently stay literal. */
export function render(template: string, vars: Vars, source: string): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new Error(`${source}: unknown placeholder ${whole} (known: ${Object.keys(vars).map((k) => `@${k}@`).join(' ')})`);
    }
    return value;
  });
}
