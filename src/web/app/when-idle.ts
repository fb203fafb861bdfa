/**
 * Resolves when the browser is next idle: the page has drawn and nothing is waiting to run (the
 * effects of what was just drawn, data that arrived). After `timeoutMs` in any case, so a page
 * that keeps the browser busy still gets there; a browser without idle callbacks waits a moment.
 */
export function whenIdle(timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    if (typeof window.requestIdleCallback === "function") {
      window.requestIdleCallback(() => resolve(), { timeout: timeoutMs });
    } else {
      setTimeout(resolve, 200);
    }
  });
}

/**
 * Resolves once the page's own files (scripts, stylesheets, preloads) have loaded (its `load`
 * event), or after `atLatestMs`: one stalled file (a map tile) holds that event.
 */
export function pageLoaded(atLatestMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (document.readyState === "complete") return resolve();
    window.addEventListener("load", () => resolve(), { once: true });
    setTimeout(resolve, atLatestMs);
  });
}
