// An ordered list of header fields with httpd's apr_table semantics (case-insensitive names, first spelling kept).
// Request and response headers are held this way so order and case reach the other side as they came.

export type HeaderField = [name: string, value: string];

/** `name` equals `key` (already lower-case) case-insensitively; most names differ in length, so that goes first. */
export function sameName(name: string, key: string): boolean {
  return name.length === key.length && (name === key || name.toLowerCase() === key);
}

export class HeaderList {
  readonly fields: HeaderField[];

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  /** From Node's rawHeaders ([name, value, name, value, …]), each field kept separate. */
  static fromRaw(raw: readonly string[]): HeaderList {
    const fields: HeaderField[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) fields.push([raw[i]!, raw[i + 1]!]);
    return new HeaderList(fields);
  }

  /**
   * From rawHeaders with repeated names merged into the first occurrence with ", ", as httpd's request reader does
   * (apr_table_compress with APR_OVERLAP_TABLES_MERGE; checked: two Cookie lines reach the backend as "a=1, b=2").
   */
  static mergedFromRaw(raw: readonly string[]): HeaderList {
    const list = new HeaderList();
    if (raw.length <= 32) {
      // Few fields (the usual case): a scan is cheaper than a Map.
      const fields = list.fields;
      outer: for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = raw[i]!;
        const key = name.toLowerCase();
        for (const f of fields) {
          if (sameName(f[0], key)) {
            f[1] += `, ${raw[i + 1]!}`;
            continue outer;
          }
        }
        fields.push([name, raw[i + 1]!]);
      }
      return list;
    }
    const at = new Map<string, number>();
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const key = name.toLowerCase();
      const idx = at.get(key);
      if (idx === undefined) {
        at.set(key, list.fields.length);
        list.fields.push([name, raw[i + 1]!]);
      } else list.fields[idx]![1] += `, ${raw[i + 1]!}`;
    }
    return list;
  }

  /** The first value (apr_table_get). */
  get(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const f of this.fields) if (sameName(f[0], key)) return f[1];
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (sameName(f[0], key)) out.push(f[1]);
    return out;
  }

  /** apr_table_set: the first field takes the value in place, later ones go; appended when absent. */
  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const idx = this.fields.findIndex((f) => sameName(f[0], key));
    if (idx < 0) {
      this.fields.push([name, value]);
      return;
    }
    this.fields[idx]![1] = value;
    for (let i = this.fields.length - 1; i > idx; i--) if (sameName(this.fields[i]![0], key)) this.fields.splice(i, 1);
  }

  /** apr_table_add: a new field at the end. */
  add(name: string, value: string): void {
    this.fields.push([name, value]);
  }

  /** apr_table_mergen: ", "-joined onto the first field, or a new field at the end. */
  merge(name: string, value: string): void {
    const key = name.toLowerCase();
    const f = this.fields.find((x) => sameName(x[0], key));
    if (f) f[1] = `${f[1]}, ${value}`;
    else this.fields.push([name, value]);
  }

  /** apr_table_unset: every field of that name. */
  unset(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.fields.length - 1; i >= 0; i--) if (sameName(this.fields[i]![0], key)) this.fields.splice(i, 1);
  }

  /** The flat form Node's http.request and writeHead accept, keeping order and case. */
  toRaw(): string[] {
    const out: string[] = [];
    for (const [n, v] of this.fields) out.push(n, v);
    return out;
  }
}
