import { describe, expect, it } from "vitest";
import {
  changedFields,
  mergedValues,
  mergeEdits,
  resolveMerge,
  sameValue,
  saveWithMerge,
  startMerge,
  undecided,
} from "../../src/web/app/merge.js";

/** The edit forms' three-way merge, without a browser: base (opened), theirs (now), mine (form). */
describe("edit merge", () => {
  const base = { subject: "No internet", description: "Red light", category: "no_service", customerId: null };

  it("takes a field only they changed and a field only I changed without a collision", () => {
    const theirs = { ...base, description: "Red LOS light since 9:00" };
    const mine = { ...base, subject: "No internet since the storm" };
    const merge = mergeEdits(base, theirs, mine);
    expect(merge.collisions).toEqual([]);
    expect(merge.theirsOnly).toEqual(["description"]);
    expect(merge.mineOnly).toEqual(["subject"]);
    expect(merge.merged).toEqual({
      ...base,
      subject: "No internet since the storm",
      description: "Red LOS light since 9:00",
    });
    // What the resubmission sends on the current version: my field only, never their description.
    expect(changedFields(theirs, merge.merged)).toEqual(["subject"]);
  });

  it("reports a collision only where both changed the same field to different values", () => {
    const theirs = { ...base, subject: "Outage in Springfield", category: "outage" };
    const mine = { ...base, subject: "No internet since the storm", category: "outage" };
    const merge = mergeEdits(base, theirs, mine);
    expect(merge.collisions).toEqual(["subject"]);
    // Both made the same change: nothing to decide.
    expect(merge.mineOnly).toEqual(["category"]);
    expect(merge.theirsOnly).toEqual([]);

    const pending = startMerge(base, theirs, mine);
    expect(undecided(pending)).toEqual(["subject"]);
    expect(mergedValues({ ...pending, choices: { subject: "theirs" } }).subject).toBe("Outage in Springfield");
    expect(resolveMerge(merge, theirs, mine, { subject: "mine" }).subject).toBe("No internet since the storm");
    // Keeping theirs leaves nothing of mine to send.
    expect(changedFields(theirs, mergedValues({ ...pending, choices: { subject: "theirs" } }))).toEqual([]);
  });

  it("treats an emptied field, null and a number typed as text as the values they mean", () => {
    expect(sameValue("", null)).toBe(true);
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue(120, "120")).toBe(true);
    expect(sameValue("a", "b")).toBe(false);
    expect(sameValue(0, null)).toBe(false);
    expect(changedFields({ vlanId: 120, notes: null }, { vlanId: "120", notes: "" })).toEqual([]);
  });

  it("sends only my fields, and after a 409 without a collision saves the merge on the current version", async () => {
    const sent: { fields: Record<string, unknown>; version: number }[] = [];
    const current = { ...base, description: "Red LOS light since 9:00" };
    const outcome = await saveWithMerge(
      async (fields, version) => {
        sent.push({ fields, version });
        return version === 1 ? { current, version: 2 } : null;
      },
      (conflict) => ({ values: conflict.current, version: conflict.version }),
      base,
      1,
      { ...base, subject: "No internet since the storm" },
    );
    expect(outcome).toEqual({ saved: true, theirsKept: ["description"] });
    expect(sent).toEqual([
      { fields: { subject: "No internet since the storm" }, version: 1 },
      { fields: { subject: "No internet since the storm" }, version: 2 },
    ]);
  });

  it("stops at a collision and hands it back with the current version", async () => {
    const current = { ...base, subject: "Outage in Springfield" };
    const outcome = await saveWithMerge(
      async () => ({ current, version: 7 }),
      (conflict) => ({ values: conflict.current, version: conflict.version }),
      base,
      6,
      { ...base, subject: "No internet since the storm" },
    );
    expect(outcome.saved).toBe(false);
    if (outcome.saved) return;
    expect(outcome.version).toBe(7);
    expect(outcome.base).toEqual(current);
    expect(outcome.pending.merge.collisions).toEqual(["subject"]);
  });

  it("sends nothing when nothing changed", async () => {
    let calls = 0;
    const outcome = await saveWithMerge(
      async () => {
        calls += 1;
        return null;
      },
      () => ({ values: base, version: 1 }),
      base,
      1,
      { ...base },
    );
    expect(outcome).toEqual({ saved: true, theirsKept: [] });
    expect(calls).toBe(0);
  });
});
