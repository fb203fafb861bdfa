/**
 * Takes a data block the server put in the page (`<script type="application/json" id=…>`,
 * src/server/http/web.ts) once: read, removed from the page, parsed. Undefined when the page has
 * none or it cannot be read; the caller's query then asks the API as it would without it. (A
 * block may hold `null`, which is a value: the session's "signed out".)
 */
export function takePageData<T>(id: string): { value: T } | undefined {
  const element = document.getElementById(id);
  if (!element?.textContent) return undefined;
  element.remove();
  try {
    return { value: JSON.parse(element.textContent) as T };
  } catch {
    return undefined;
  }
}
