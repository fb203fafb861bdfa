// Builds the web app when there is no build yet, or when its sources are newer than the build,
// so `npm start` on a fresh clone (or after a pull) serves the current UI, with its brotli and gzip
// copies.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = path.join(root, "dist/web/index.html");

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const sources = ["src/web", "src/shared", "vite.config.ts", "package-lock.json"].map((p) => path.join(root, p));
const sourceTime = Math.max(
  ...sources.filter(existsSync).map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)),
);

// A build from before the precompressed copies (vite.config.ts writes .br/.gz beside the files)
// is rebuilt too, so the server never falls back to sending everything uncompressed.
const assets = path.join(root, "dist/web/assets");

// The server reads the build's manifest to name each page's code in its HTML (src/server/http/web.ts).
const manifest = path.join(root, "dist/web/.vite/manifest.json");

const precompressed = () => existsSync(assets) && readdirSync(assets).some((name) => name.endsWith(".br"));
const needsBuild = () =>
  !existsSync(built) || statSync(built).mtimeMs < sourceTime || !precompressed() || !existsSync(manifest);

// Two processes building into dist/ at once (parallel test runs on one checkout) delete each
// other's files mid-write: one build at a time, through a lock directory (mkdir is atomic); whoever
// waited checks again and finds the build the other one made.
const lock = path.join(root, "dist/.build-lock");
const STALE_LOCK_MS = 10 * 60_000;
function acquireLock() {
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > STALE_LOCK_MS) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
}

if (needsBuild()) {
  acquireLock();
  try {
    if (needsBuild()) {
      console.log("Building the web app (vite build)…");
      const result = spawnSync(
        process.execPath,
        [path.join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"],
        {
          cwd: root,
          stdio: "inherit",
          // Always the production bundle: under NODE_ENV=test (Vitest's global setup) or development,
          // Vite would ship React's development runtime, 50 KB more and slower.
          env: { ...process.env, NODE_ENV: "production" },
        },
      );
      if (result.status !== 0) {
        console.error("The web app failed to build; see the errors above.");
        process.exitCode = result.status ?? 1;
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
