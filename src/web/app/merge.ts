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

/** A stale save's merge, waiting for the person's choices on the fields both sides changed. */
export interface PendingMerge<T extends FieldValues> {
  merge: Merge<T>;
  theirs: T;
  mine: T;
  choices: Partial<Record<keyof T, MergeChoice>>;
}

export function startMerge<T extends FieldValues>(base: T, theirs: T, mine: T): PendingMerge<T> {
  return { merge: mergeEdits(base, theirs, mine), theirs, mine, choices: {} };
}

/** The collisions the person has not decided yet. */
export const undecided = <T extends FieldValues>(pending: PendingMerge<T>) =>
  pending.merge.collisions.filter((key) => !pending.choices[key]);

/** The values to save: merged, with the person's choices applied. */
export const mergedValues = <T extends FieldValues>(pending: PendingMerge<T>) =>
  resolveMerge(pending.merge, pending.theirs, pending.mine, pending.choices);

/** What a save attempt came to: saved, or a merge waiting for the person on the current version. */
export type MergeSave<T extends FieldValues, C> =
  | { saved: true; theirsKept: (keyof T & string)[] }
  | { saved: false; pending: PendingMerge<T>; conflict: C; base: T; version: number };

/**
 * Saves the fields of `mine` that differ from `base`, on `version` — never the untouched ones.
 * `send` answers null when saved, or the 409's body, which `read` turns into the current values
 * and version. A 409 merges: when nothing collides the merge is saved on the current version at
 * once (still only the person's own fields), else it comes back for the person to decide.
 */
export async function saveWithMerge<T extends FieldValues, C>(
  send: (fields: Partial<T>, version: number) => Promise<C | null>,
  read: (conflict: C) => { values: T; version: number },
  base: T,
  version: number,
  mine: T,
  theirsKept: (keyof T & string)[] = [],
  attempt = 0,
): Promise<MergeSave<T, C>> {
  const fields = changedFields(base, mine);
  if (fields.length === 0) return { saved: true, theirsKept };
  const conflict = await send(pickFields(mine, fields) as Partial<T>, version);
  if (conflict === null) return { saved: true, theirsKept };
  const current = read(conflict);
  const pending = startMerge(base, current.values, mine);
  const kept = [...new Set([...theirsKept, ...pending.merge.theirsOnly])];
  // A colleague saving again meanwhile gives another 409: merge again, a few times at most.
  if (pending.merge.collisions.length === 0 && attempt < 3) {
    return saveWithMerge(send, read, current.values, current.version, pending.merge.merged, kept, attempt + 1);
  }
  return { saved: false, pending, conflict, base: current.values, version: current.version };
}
