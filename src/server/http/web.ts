import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import { SESSION_COOKIE, type SessionInfo } from "../../shared/auth.js";
import { type SmsStatusInfo, ZSmsStatus } from "../../shared/sms.js";
import { SIGNED_OUT_PAGES, SMS_STATUS_BLOCK, WEB_PAGES, type WebPage, webPageFor } from "../../shared/web-pages.js";
import { sessionInfoOf } from "../auth/auth.service.js";
import { findSession } from "../auth/sessions.service.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { getSmsStatus } from "../sms/sms.service.js";
import { problem, sendProblem } from "./problem.js";

export const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/web");
const assetsDir = path.join(webRoot, "assets") + path.sep;

/** A chunk of Vite's build manifest (dist/web/.vite/manifest.json), keyed by its source file. */
interface ManifestChunk {
  file: string;
  imports?: string[];
  css?: string[];
}

/**
 * index.html with, for each page, the page's own code and styles named in its head
 * (`modulepreload`, `preload`), so the browser fetches them beside the app's code instead of after
 * it has run: one round trip less before the page shows, on a phone's network most of the wait.
 * Without a manifest (an older build) every path gets the plain index.html.
 */
export function pageDocuments(indexHtml: string, manifest: Record<string, ManifestChunk> | null) {
  const documents = new Map<WebPage | null, string>([[null, indexHtml]]);
  if (!manifest) return documents;
  const closure = (key: string, into: Set<string>) => {
    if (into.has(key) || !manifest[key]) return into;
    into.add(key);
    for (const imported of manifest[key].imports ?? []) closure(imported, into);
    return into;
  };
  // The entry's own imports are named in index.html already.
  const inIndex = closure("index.html", new Set());
  for (const [page, source] of Object.entries(WEB_PAGES) as [WebPage, string][]) {
    const signedIn = !SIGNED_OUT_PAGES.includes(page);
    // The pages' styles first: the page's own come after them, as when the page loads them.
    const keys = signedIn ? closure(source, closure("app/page-styles.ts", new Set())) : closure(source, new Set());
    const scripts: string[] = [];
    const styles: string[] = [];
    for (const key of keys) {
      if (inIndex.has(key)) continue;
      const chunk = manifest[key] as ManifestChunk;
      // A module of styles only (app/page-styles.ts) is built as a stylesheet of its own.
      if (chunk.file.endsWith(".css")) styles.push(chunk.file);
      else scripts.push(`<link rel="modulepreload" crossorigin href="/${chunk.file}">`);
      styles.push(...(chunk.css ?? []));
    }
    if (signedIn) {
      documents.set(page, signedInDocument(indexHtml, scripts, styles));
    } else {
      const links = [...scripts, ...styles.map((css) => `<link rel="preload" as="style" crossorigin href="/${css}">`)];
      documents.set(
        page,
        indexHtml.replace("  </head>", () => `    ${links.join("\n    ")}\n  </head>`),
      );
    }
  }
  return documents;
}

/**
 * What a signed-in page shows before the app's code has arrived: the app's header bar and word that
 * the page is loading, drawn from the HTML alone. On a phone's network the code and the styles take
 * seconds; the screen is not blank meanwhile. The app removes it when it first draws its own
 * (web/main.tsx). Static: nothing of the user in it. Its styles are in the page's head
 * (SHELL_STYLES), the app's stylesheet is linked after it (signedInDocument).
 */
export const SIGNED_IN_SHELL =
  '<header class="uplink-shell-header">Uplink</header>' +
  '<main class="uplink-shell-main" aria-busy="true"><p>Loading…</p></main>';

/**
 * The frame's styles: the app header's height and colours. They follow the system's scheme, as the
 * app's "auto" does; someone who picked the other scheme in the app sees the frame in the system's
 * until the app draws (their choice is in the browser's storage, which only a script could read,
 * and the CSP runs no inline script).
 */
const SHELL_STYLES = [
  // Mantine's baseline (in the app's stylesheet, loaded after) sets no body margin either: nothing moves.
  "body{margin:0}",
  ".uplink-shell-header{box-sizing:border-box;height:56px;display:flex;align-items:center;padding:0 16px;",
  "border-bottom:1px solid #dee2e6;background:#fff;color:#000;font:700 18px -apple-system,BlinkMacSystemFont,",
  '"Segoe UI",Roboto,Helvetica,Arial,sans-serif}',
  ".uplink-shell-main{display:flex;align-items:center;justify-content:center;height:60vh;color:#495057;",
  'font:14px -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}',
  "@media (prefers-color-scheme:dark){.uplink-shell-header{border-bottom-color:#424242;background:#242424;",
  "color:#c9c9c9}.uplink-shell-main{color:#b8b8b8}}",
].join("");
const ENTRY_STYLESHEET = /\n\s*<link rel="stylesheet" crossorigin href="\/assets\/[^"]+\.css">/g;

/** Where the frame goes: before the app's stylesheet and root (signedInDocument). */
export const SHELL_SLOT = '<div id="uplink-shell"></div>';

/**
 * A signed-in page's document: its code preloaded and the frame's styles in the head, and its
 * stylesheets (the app's, the pages', the page's own) linked in the body, after the frame's slot
 * and before the root, instead of in the head. A stylesheet in the head holds the first paint until
 * it has loaded; in the body it holds only what follows it, so the frame paints from the HTML alone.
 * They still hold the app's code (a module script waits for the stylesheets before it runs: the
 * app never draws unstyled), and their order is the one the app would give them: the app's, then
 * the pages' (linked here, Vite's loader finds them and adds none to the head, where they would
 * come before the app's and lose to it), then the theme's variables (a style element inside the
 * root). A stylesheet another page loads later goes to the head; none of those styles Mantine's
 * components (the schedule's, the map's), so their place does not matter. The app removes the
 * frame when it first draws (web/main.tsx).
 */
export function signedInDocument(indexHtml: string, scripts: string[], pageStyles: string[]): string {
  const entryStyles = indexHtml.match(ENTRY_STYLESHEET)?.map((link) => link.trim()) ?? [];
  const styles = [...entryStyles, ...pageStyles.map((css) => `<link rel="stylesheet" crossorigin href="/${css}">`)];
  const head = [...scripts, `<style>${SHELL_STYLES}</style>`];
  return indexHtml
    .replace(ENTRY_STYLESHEET, "")
    .replace("  </head>", () => `    ${head.join("\n    ")}\n  </head>`)
    .replace('<div id="root"></div>', () => `${SHELL_SLOT}\n    ${styles.join("\n    ")}\n    <div id="root"></div>`);
}

/**
 * A value as JSON for the page's HTML, in a data block (`type="application/json"`, never run, so
 * the CSP is untouched): `<`, `>`, `&` and the line separators escaped, so no value (a user's name
 * of `</script><script>…`) can end the block.
 */
export function dataBlock(id: string, value: unknown): string {
  const json = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `<script type="application/json" id="${id}">${json}</script>`;
}

/** The session (or null) for the page: the app shows its first screen without asking /api/auth/me. */
export function sessionDataBlock(session: SessionInfo | null): string {
  return dataBlock("uplink-session", session);
}

function readManifest(): Record<string, ManifestChunk> | null {
  try {
    return JSON.parse(readFileSync(path.join(webRoot, ".vite/manifest.json"), "utf8")) as Record<string, ManifestChunk>;
  } catch {
    return null;
  }
}

/** Serves the built web app and answers unknown paths: problem+json for the API, the SPA otherwise. */
export async function registerWeb(app: App) {
  const hasBuild = existsSync(path.join(webRoot, "index.html"));
  if (hasBuild) {
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: false,
      // The build writes a brotli and a gzip copy of every text file above 1 KB (vite.config.ts):
      // each browser gets the smallest it accepts, with Vary: Accept-Encoding for caches.
      preCompressed: true,
      // …but those copies are not URLs of their own (`/index.html.gz` is no page of the app).
      // The build manifest is the server's to read, not a URL. (The app's pages are answered below,
      // each with its own code named in it; /index.html itself stays the plain document.)
      globIgnore: ["**/*.br", "**/*.gz", ".vite/**"],
      cacheControl: false,
      // Hashed asset names never change content: cache them for a year. Anything else (index.html,
      // favicon.svg) is revalidated, so a deploy is picked up at once.
      setHeaders(res, filePath) {
        res.header(
          "cache-control",
          filePath.startsWith(assetsDir) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
  }

  const documents = hasBuild
    ? pageDocuments(readFileSync(path.join(webRoot, "index.html"), "utf8"), readManifest())
    : new Map<WebPage | null, string>();

  app.setNotFoundHandler(async (request, reply) => {
    const url = request.url.split("?")[0] ?? "/";
    const isApi = url === "/api" || url.startsWith("/api/") || url.startsWith("/webhooks/");
    if (!isApi && (request.method === "GET" || request.method === "HEAD") && !path.extname(url)) {
      if (hasBuild) {
        const page = webPageFor(url);
        const html = documents.get(page) ?? documents.get(null) ?? "";
        // The page carries its session (or null): the app shows its first screen without asking
        // /api/auth/me first, a round trip less. A page holding a CSRF token is for this browser
        // only, never stored.
        // If the database cannot say, the page goes without, and the app asks as it always could.
        let info: SessionInfo | null | undefined;
        let smsStatus: SmsStatusInfo | undefined;
        try {
          const token = request.cookies[SESSION_COOKIE];
          const session = token
            ? await findSession(app.deps.database.db, app.deps.clock, token, app.sessionCache)
            : undefined;
          info = session ? await sessionInfoOf(app.deps, session.user, session.csrfToken) : null;
        } catch (error) {
          request.log.warn({ err: error }, "page served without its session: the session lookup failed");
        }
        // An admin's page waits for the SMS status before it draws (the "SMS is off" notice must
        // not push a drawn page down: web/app/layout.tsx): it comes with the page, as
        // /api/sms/status would answer it, instead of a round trip after the app's code.
        // (Not to an admin still to set up a second factor: the API answers them 403 but enrolment.)
        if (info?.user.role === "admin" && !info.twoFactorEnrolmentRequired) {
          try {
            smsStatus = ZSmsStatus.parse(await getSmsStatus(serviceContext(app.deps), { forAdmin: true }));
          } catch (error) {
            request.log.warn({ err: error }, "page served without the SMS status: the app will ask");
          }
        }
        const block =
          (info === undefined ? "" : `\n    ${sessionDataBlock(info)}`) +
          (smsStatus === undefined ? "" : `\n    ${dataBlock(SMS_STATUS_BLOCK, smsStatus)}`);
        return reply
          .header("cache-control", info ? "private, no-store" : "no-cache")
          .type("text/html; charset=utf-8")
          .send(
            // Replaced by functions: a replacement string would read `$&`, `$'`… in a user's name.
            html
              .replace(SHELL_SLOT, () => (info ? `<div id="uplink-shell">${SIGNED_IN_SHELL}</div>` : ""))
              .replace('<div id="root"></div>', () => `<div id="root"></div>${block}`),
          );
      }
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send("The web app has not been built. Run `npm run build` (npm start does it for you).");
    }
    return sendProblem(
      reply,
      problem(404, "route.not_found", `There is no ${request.method} ${url}. See /api/docs for the API.`),
    );
  });
}
