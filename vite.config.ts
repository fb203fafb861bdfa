import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * Writes a brotli (.br) and a gzip (.gz) copy beside every emitted text file above 1 KB, at the
 * highest levels (done once per build, not per request). The server sends them to the browsers
 * that accept them (@fastify/static's preCompressed, src/server/http/web.ts).
 */
function precompress(): Plugin {
  let outDir = "";
  return {
    name: "uplink-precompress",
    apply: "build",
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle() {
      const files = await readdir(outDir, { recursive: true });
      await Promise.all(
        files
          .filter((file) => /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/.test(file))
          .map(async (file) => {
            const full = path.join(outDir, file);
            if ((await stat(full)).size < 1024) return;
            const content = await readFile(full);
            const [br, gzipped] = await Promise.all([
              brotli(content, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                  [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
                },
              }),
              gz(content, { level: constants.Z_BEST_COMPRESSION }),
            ]);
            await Promise.all([writeFile(`${full}.br`, br), writeFile(`${full}.gz`, gzipped)]);
          }),
      );
    },
  };
}

export default defineConfig({
  root: "src/web",
  plugins: [react(), precompress()],
  build: {
    outDir: "../../dist/web",
    emptyOutDir: true,
    // No source maps in the served bundle: nothing of the source is exposed.
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    // dist/web/.vite/manifest.json: which files each page needs, for the server to name them in
    // the page's HTML (src/server/http/web.ts).
    manifest: true,
  },
  server: {
    port: 5173,
    proxy: { "/api": "http://localhost:5000", "/webhooks": "http://localhost:5000" },
  },
});
