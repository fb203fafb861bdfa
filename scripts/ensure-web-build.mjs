// Builds the web app when there is no build yet, or when its sources are newer than the build,
// so `npm start` on a fresh clone (or after a pull) serves the current UI, with its brotli and gzip
// copies.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
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
const precompressed = existsSync(assets) && readdirSync(assets).some((name) => name.endsWith(".br"));

// The server reads the build's manifest to name each page's code in its HTML (src/server/http/web.ts).
const manifest = path.join(root, "dist/web/.vite/manifest.json");

if (!existsSync(built) || statSync(built).mtimeMs < sourceTime || !precompressed || !existsSync(manifest)) {
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
    process.exit(result.status ?? 1);
  }
}
