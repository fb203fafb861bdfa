/** What the palette opened last, per staff member, in this browser (localStorage). */
export interface RecentItem {
  kind: "customer" | "ticket" | "site" | "staff";
  id: string;
  label: string;
  description: string;
  href: string;
}

const MAX_RECENT = 8;
const KINDS = new Set(["customer", "ticket", "site", "staff"]);

const storageKey = (userId: string) => `uplink.palette.recent.${userId}`;

const isRecentItem = (value: unknown): value is RecentItem => {
  if (typeof value !== "object" || value === null) return false;
  const item = value as Record<string, unknown>;
  return (
    KINDS.has(String(item.kind)) &&
    ["id", "label", "description", "href"].every((field) => typeof item[field] === "string") &&
    // Only the app's own pages: a tampered entry cannot send anyone elsewhere.
    String(item.href).startsWith("/") &&
    !String(item.href).startsWith("//")
  );
};

/** The user's recent items, newest first; nothing when storage is unavailable or holds junk. */
export function readRecent(userId: string): RecentItem[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey(userId)) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter(isRecentItem).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

/** Puts the item first (once), keeping the newest MAX_RECENT. */
export function rememberRecent(userId: string, item: RecentItem): RecentItem[] {
  const items = [item, ...readRecent(userId).filter((other) => other.kind !== item.kind || other.id !== item.id)].slice(
    0,
    MAX_RECENT,
  );
  try {
    localStorage.setItem(storageKey(userId), JSON.stringify(items));
  } catch {
    // Storage full or disabled (private mode): the palette works without its history.
  }
  return items;
}
