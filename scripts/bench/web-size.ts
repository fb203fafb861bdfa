import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "../..");
const WEB = path.join(ROOT, "dist/web");

export interface WebSize {
  /** Every script the first page load fetches before it can render: the entry, what it imports, modulepreloads. */
  files: { file: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
  cssGzipBytes: number;
  /** How gzip was applied. */
  method: string;
}

/** Builds the web app when its build is missing or stale (the same check `npm start` makes). */
export function ensureWebBuild(): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, "scripts/ensure-web-build.mjs")], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("The web app failed to build (scripts/ensure-web-build.mjs).");
}

/**
 * The initial JavaScript: index.html's module scripts and modulepreload links, plus whatever those
 * import statically (transitively). Dynamic import() chunks (lazy routes) are not initial.
 */
export function measureInitialJavaScript(): WebSize {
  const html = readFileSync(path.join(WEB, "index.html"), "utf8");
  const pending = [
    ...[...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)].map((m) => m[1] ?? ""),
    ...[...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? ""),
  ].map((href) => href.replace(/^\//, ""));
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) =>
    (m[1] ?? "").replace(/^\//, ""),
  );
  const seen = new Set<string>();
  const files: WebSize["files"] = [];
  while (pending.length > 0) {
    const file = pending.shift() ?? "";
    if (seen.has(file)) continue;
    seen.add(file);
    const content = readFileSync(path.join(WEB, file));
    files.push({ file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length });
    // Static imports only: `import{a}from"./x.js"`, `import"./x.js"`, `export*from"./x.js"`; not `import("./x.js")`.
    const text = content.toString("utf8");
    for (const match of text.matchAll(
      /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+from\s*)?["'](\.\.?\/[^"']+)["']/g,
    )) {
      pending.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] ?? "")));
    }
  }
  files.sort((a, b) => b.gzipBytes - a.gzipBytes);
  const cssGzipBytes = css.reduce(
    (sum, file) => sum + gzipSync(readFileSync(path.join(WEB, file)), { level: 9 }).length,
    0,
  );
  return {
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0),
    cssGzipBytes,
    method: "zlib gzip level 9, per file (dist/web)",
  };
}
