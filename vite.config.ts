import { existsSync, readFileSync } from "node:fs";
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

/**
 * Whether a module of the app (src/web, src/shared) imports zod, itself or through the app's
 * modules it imports. Such modules (the API's schemas, the forms) stay out of the shared group:
 * with them every page's first screen downloaded and ran zod and every schema (26 KB with brotli
 * on the queue, and most of zod's start-up work), though only forms and the live stream's checks
 * use them, all loaded later. Static imports only (a dynamic `import()` is another chunk's).
 */
function reachesZod(): (id: string) => boolean {
  // `import … from "x"`, `export … from "x"` and `import "x"`, not `import type`/`export type`.
  const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^;]*?\bfrom\s*)?["']([^"']+)["']/gm;
  const importsOf = new Map<string, { zod: boolean; files: string[] }>();
  const read = (file: string) => {
    let found = importsOf.get(file);
    if (!found) {
      found = { zod: false, files: [] };
      for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
        const specifier = match[1] as string;
        if (specifier === "zod" || specifier.startsWith("zod/")) found.zod = true;
        if (!specifier.startsWith(".")) continue;
        const base = path.resolve(path.dirname(file), specifier.replace(/\.js$/, ""));
        const target = [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((candidate) => existsSync(candidate));
        if (target) found.files.push(target);
      }
      importsOf.set(file, found);
    }
    return found;
  };
  // Each module's answer is a walk of its own imports (cycles included), remembered for next time.
  const known = new Map<string, boolean>();
  return (id) => {
    if (!/\.tsx?$/.test(id) || !existsSync(id)) return false;
    const cached = known.get(id);
    if (cached !== undefined) return cached;
    const seen = new Set([id]);
    const queue = [id];
    let found = false;
    while (!found && queue.length > 0) {
      const file = queue.pop() as string;
      const imports = read(file);
      found = imports.zod || imports.files.some((next) => known.get(next) === true);
      for (const next of imports.files) {
        if (!seen.has(next) && known.get(next) !== false) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    known.set(id, found);
    return found;
  };
}

const importsZod = reachesZod();

/**
 * The larger components the dashboard's and the phone queue's first screens do not draw (group
 * "ui-more").
 */
const UI_MORE =
  /@mantine[\\/]core[\\/]esm[\\/]components[\\/](NumberInput|TagsInput|Tabs|Textarea|Switch|Timeline|Pagination|Table|Progress|List|Image|Fieldset|Flex)[\\/]|node_modules[\\/](react-number-format|react-textarea-autosize)[\\/]/;

/**
 * Every page's kit beside the entry (group "controls"): text inputs, links, the notifications'
 * store, the one hook both the notifications' container and the pages' components use (in the
 * container's file, it made every page load that file at once), and signing out (the account menu).
 */
const CONTROLS =
  /@mantine[\\/]core[\\/].*[\\/](Input|InputBase|TextInput|Anchor)[\\/]|@mantine[\\/]notifications[\\/]esm[\\/]notifications\.store\.mjs$|@mantine[\\/]store[\\/]|@mantine[\\/]hooks[\\/]esm[\\/]use-force-update[\\/]|src[\\/]web[\\/]auth[\\/]sign-out\.ts$/;

/**
 * Mantine's `useId` (every input, tooltip, alert, menu and select) starts from React's id and, once
 * mounted, swaps it for a random one by setting state in a layout effect. React runs every update
 * set in a layout effect at once, in the same task: each of those components drew itself a second
 * time before the first screen could paint (the queue's 50 rows with their tooltips, the forms'
 * fields), most of the queue's longest task. React's own id is unique in the page and stable, so
 * the module is replaced by one that returns it (or the id given). (The dev server pre-bundles
 * dependencies without this hook: there ids are still swapped after mount, which costs only time.)
 * test/e2e/hints.test.ts fails if an id on the page changes once drawn.
 */
function mantineStableIds(): Plugin {
  const MODULE = /@mantine[\\/]hooks[\\/]esm[\\/]use-id[\\/]use-id\.mjs$/;
  let replaced = false;
  return {
    name: "uplink-mantine-stable-ids",
    apply: "build",
    enforce: "pre",
    buildStart() {
      replaced = false;
    },
    load(id) {
      if (!MODULE.test(id)) return null;
      replaced = true;
      return [
        'import { useId as useReactId } from "react";',
        "function useId(staticId) {",
        "  const reactId = useReactId();",
        '  return typeof staticId === "string" ? staticId : "mantine-" + reactId.replace(/[^a-zA-Z0-9_-]/g, "");',
        "}",
        "export { useId };",
      ].join("\n");
    },
    // Should Mantine move the module, the build says so instead of quietly drawing ids twice.
    buildEnd(error) {
      if (!error && !replaced)
        throw new Error("mantineStableIds: Mantine's use-id.mjs was not in the build; review the patch");
    },
  };
}

/**
 * Mantine's `Portal` (every modal, popover, menu and the notifications' container) draws nothing on
 * its first render: a layout effect then finds the node to draw into and sets state, which React
 * runs at once, in the commit's task. Such an update also makes React run every pending effect of
 * the page first. The first screen's commit did this for the confirmation dialog's closed portal,
 * and the account menu's and the bell's commit for theirs: the screen's effects (its queries
 * starting, media queries measuring the fresh layout) ran inside those tasks, before the browser
 * could paint, in one block of 40 to 75 ms on this machine. A portal into Mantine's shared node
 * (the default: no `target`, `reuseTargetNode`) does not need to wait: in a browser-only app that
 * node can be found or made while rendering, so the portal draws on its first render. A portal with
 * a `target` of its own keeps Mantine's way (its target may be drawn in the same commit).
 * The module is patched in place; the build fails if Mantine's code no longer matches or the module
 * is no longer where it was. (Builds only: the dev server pre-bundles dependencies without this
 * hook, so there portals still draw twice, which costs only time.)
 */
function mantinePortalAtOnce(): Plugin {
  const MODULE = /@mantine[\\/]core[\\/]esm[\\/]components[\\/]Portal[\\/]Portal\.mjs$/;
  const EDITS: [string, string][] = [
    [
      "const [mounted, setMounted] = useState(false);",
      "const shared = !target && reuseTargetNode;\n\tconst [mounted, setMounted] = useState(shared);",
    ],
    [
      "const nodeRef = useRef(null);",
      "const nodeRef = useRef(null);\n\tif (shared && nodeRef.current === null) nodeRef.current = getTargetNode({ reuseTargetNode, ...others });\n\tconst [, redraw] = useState(0);",
    ],
    [
      "setMounted(true);\n\t\tnodeRef.current = getTargetNode({",
      // The shared node found while rendering is normally the one found here; if not (something
      // removed it from the page meanwhile), draw again into the new one.
      "if (!shared) setMounted(true);\n\t\tconst drawnInto = nodeRef.current;\n\t\tnodeRef.current = getTargetNode({",
    ],
    [
      "assignRef(ref, nodeRef.current);",
      "assignRef(ref, nodeRef.current);\n\t\tif (shared && drawnInto !== nodeRef.current) redraw((count) => count + 1);",
    ],
  ];
  let patched = false;
  return {
    name: "uplink-mantine-portal-at-once",
    apply: "build",
    enforce: "pre",
    buildStart() {
      patched = false;
    },
    transform(code, id) {
      if (!MODULE.test(id)) return null;
      patched = true;
      let result = code;
      for (const [from, to] of EDITS) {
        if (!result.includes(from)) {
          throw new Error(`mantinePortalAtOnce: Mantine's Portal.mjs changed (no "${from}"); review the patch`);
        }
        result = result.replace(from, () => to);
      }
      return { code: result, map: null };
    },
    buildEnd(error) {
      if (!error && !patched)
        throw new Error("mantinePortalAtOnce: Mantine's Portal.mjs was not in the build; review the patch");
    },
  };
}

export default defineConfig({
  root: "src/web",
  plugins: [mantineStableIds(), mantinePortalAtOnce(), react(), precompress()],
  build: {
    outDir: "../../dist/web",
    emptyOutDir: true,
    // No source maps in the served bundle: nothing of the source is exposed.
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    // dist/web/.vite/manifest.json: which files each page needs, for the server to name them in
    // the page's HTML (src/server/http/web.ts).
    manifest: true,
    // Few files per first screen. Left to itself the bundler cut the app into ~150 chunks, a page's
    // first screen into 16 to 70 files: on a phone's network (HTTP/1.1, six connections to a host)
    // each file waits a round trip for a free connection. Grouped, sign-in is 3 files and a
    // signed-in page about 10. Every group takes its modules' dependencies with it (the default):
    // a group that left them out split modules from what they import and broke the order in which
    // they run (a page failed on a zod enum read before its values were defined).
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // All the entry needs, one file (it was 16).
            { name: "app", tags: ["$initial"], priority: 3 },
            // What every page uses beside the entry, sign-in too: the text inputs, links, and the
            // notifications' store (pages show notifications through it; the container that draws
            // them loads once the page's files have, main.tsx). One file, kept apart from sign-in's own
            // kit below and from the container, which no signed-in page's first screen needs (the
            // two were 19 KB of every page's first download).
            {
              name: "controls",
              test: CONTROLS,
              priority: 2,
            },
            // What the sign-in form adds to them, one file: everyone signed out downloads only
            // these two. The list is the form's own components and modules; test/http/web-pages.test.ts
            // fails if sign-in ever needs more files (add the component to one of the two).
            {
              name: "sign-in",
              test: /@mantine[\\/]core[\\/].*[\\/](PasswordInput|Divider|Code)[\\/]|@mantine[\\/]form[\\/]|@simplewebauthn[\\/]browser[\\/]|src[\\/]web[\\/]auth[\\/](api|two-factor-api)\.ts$/,
              priority: 2,
            },
            // The notifications' container, loaded by every page once its files have (main.tsx), sign-in
            // too: kept apart so sign-in does not download the signed-in pages' components with it.
            { name: "notifications", test: /@mantine[\\/]notifications[\\/]/, priority: 2 },
            // The app's small modules used by three pages or more (API calls, labels, badges), one
            // file, with what they import. Modules that bring a large library stay out, with their
            // pages: phone formatting (libphonenumber's metadata, 25 KB), the SMS segment count (a
            // grapheme splitter) and whatever reaches zod (the schemas, for forms; see reachesZod).
            {
              name: "shared",
              test: (id) =>
                /src[\\/](web|shared)[\\/]/.test(id) &&
                !/(phone|segment-count|sms-segments)\.tsx?$/.test(id) &&
                !importsZod(id),
              minShareCount: 3,
              maxModuleSize: 6000,
              priority: 1,
            },
            // The larger components the dashboard's and the phone queue's first screens do not draw
            // (forms' number, tag and text inputs, tabs, tables, timelines…; the desktop queue's
            // table, loaded when drawn, and the other pages do), one file of their own: in "ui"
            // they were 20 KB of those first downloads. test/http/web-pages.test.ts fails if the
            // queue or the dashboard needs this file. Listed before "schemas": a tie of priority
            // goes to the earlier group, and the forms' schemas would take these as dependencies.
            {
              name: "ui-more",
              test: UI_MORE,
              minShareCount: 2,
              // Below "shared" and "ui": what those take as their own modules' dependencies (the
              // popover and combobox code that menus and tag inputs use too) stays there.
              priority: 0,
            },
            // The app's modules that reach zod (schemas, forms, the API calls that use them), one
            // file for the pages that have forms: left to the bundler they came in five. Below
            // the other groups, so what these import (labels, enums, the API client) stays in
            // "shared" and a first screen without forms does not fetch this file for them.
            {
              name: "schemas",
              test: (id) => /src[\\/](web|shared)[\\/]/.test(id) && importsZod(id),
              minShareCount: 2,
              priority: 0,
            },
            // zod alone: the live stream's checks need it right after every first screen, and
            // not the forms' schemas with it.
            { name: "zod", test: /node_modules[\\/]zod[\\/]/, priority: 1 },
            // The components and hooks of the pages beyond the first screen, one file.
            {
              name: "ui",
              test: (id) =>
                /node_modules[\\/](@mantine[\\/](core|hooks)|@floating-ui|@tabler|react-remove-scroll|use-sidecar|use-callback-ref|react-style-singleton|tabbable)[\\/]/.test(
                  id,
                ) && !UI_MORE.test(id),
              minShareCount: 2,
              priority: 1,
            },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: { "/api": "http://localhost:5000", "/webhooks": "http://localhost:5000" },
  },
});
