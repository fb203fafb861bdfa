/**
 * Three-way merge of an edit form, for the 409 a stale `version` gets. `base` is what the editor
 * saw when they started, `theirs` the record as it is now (from the 409), `mine` the form's values.
 * A field only one side changed takes that side's value without asking; a field both changed to
 * different values is a collision the person decides. Pure: the forms and their tests share it.
 */

/** One form's values: field → value, as the form holds them. */
export type FieldValues = Record<string, unknown>;

/** Which side a person chose for a field both changed. */
export type MergeChoice = "theirs" | "mine";

export interface Merge<T extends FieldValues> {
  /** Every field: mine where only I changed it, theirs where only they did; mine (undecided) on a collision. */
  merged: T;
  /** Fields both sides changed to different values: the person decides these. */
  collisions: (keyof T & string)[];
  /** Fields only the colleague changed: taken from theirs. */
  theirsOnly: (keyof T & string)[];
  /** Fields only I changed (or both changed the same way): kept as mine. */
  mineOnly: (keyof T & string)[];
}

/** Blank, null and missing are one value to a form (an emptied field sends "" or null). */
const normalize = (value: unknown): unknown => (value === undefined || value === null || value === "" ? null : value);

/** Whether two form values mean the same (numbers and their text alike: NumberInput gives either). */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = normalize(a);
  const y = normalize(b);
  if (x === y) return true;
  if (x === null || y === null) return false;
  if (typeof x === "number" || typeof y === "number") return String(x) === String(y);
  if (typeof x === "object" || typeof y === "object") return JSON.stringify(x) === JSON.stringify(y);
  return false;
}

/** The fields whose value differs from `base`: what an edit sends (with `version`). */
export function changedFields<T extends FieldValues>(base: T, values: T): (keyof T & string)[] {
  return (Object.keys(values) as (keyof T & string)[]).filter((key) => !sameValue(base[key], values[key]));
}

/** `values` restricted to `keys`. */
export function pickFields<T extends FieldValues, K extends keyof T>(values: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, values[key]])) as Pick<T, K>;
}

export function mergeEdits<T extends FieldValues>(base: T, theirs: T, mine: T): Merge<T> {
  const keys = [...new Set([...Object.keys(base), ...Object.keys(theirs), ...Object.keys(mine)])] as (keyof T &
    string)[];
  const merged = { ...theirs } as T;
  const collisions: (keyof T & string)[] = [];
  const theirsOnly: (keyof T & string)[] = [];
  const mineOnly: (keyof T & string)[] = [];
  for (const key of keys) {
    const mineChanged = !sameValue(base[key], mine[key]);
    const theirsChanged = !sameValue(base[key], theirs[key]);
    if (mineChanged) {
      merged[key] = mine[key];
      if (theirsChanged && !sameValue(theirs[key], mine[key])) collisions.push(key);
      else mineOnly.push(key);
    } else {
      merged[key] = theirs[key];
      if (theirsChanged) theirsOnly.push(key);
    }
  }
  return { merged, collisions, theirsOnly, mineOnly };
}

/** The merged values once the person has chosen a side for every collision (undecided stays mine). */
export function resolveMerge<T extends FieldValues>(
  merge: Merge<T>,
  theirs: T,
  mine: T,
  choices: Partial<Record<keyof T, MergeChoice>>,
): T {
  const resolved = { ...merge.merged };
  for (const key of merge.collisions) resolved[key] = choices[key] === "theirs" ? theirs[key] : mine[key];
  return resolved;
}
