import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { pageDocuments, SIGNED_IN_SHELL, sessionDataBlock, webRoot } from "../../src/server/http/web.js";
import type { SessionInfo } from "../../src/shared/auth.js";
import { DEMO, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

// The global setup builds the web app with its manifest (scripts/ensure-web-build.mjs).
const manifest = JSON.parse(readFileSync(path.join(webRoot, ".vite/manifest.json"), "utf8")) as Record<
  string,
  { file: string; name?: string; imports?: string[]; css?: string[] }
>;
const fileOf = (source: string) => `/${manifest[source]?.file}`;
const preloads = (html: string) =>
  [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)].map((match) => match[1]);

function sessionIn(response: LightMyRequestResponse): SessionInfo | null | undefined {
  const block = /<script type="application\/json" id="uplink-session">(.*?)<\/script>/s.exec(response.body);
  return block ? (JSON.parse(block[1] ?? "") as SessionInfo | null) : undefined;
}

describe("the pages' HTML names each page's code (no round trip to find it)", () => {
  it("lists the page's chunk and its imports, not what index.html already preloads", () => {
    const index = readFileSync(path.join(webRoot, "index.html"), "utf8");
    const documents = pageDocuments(index, manifest);
    const login = documents.get("login") ?? "";
    expect(preloads(login)).toContain(fileOf("auth/login-page.tsx"));
    // Nothing twice: the entry's own imports are named once, by the build.
    expect(new Set(preloads(login)).size).toBe(preloads(login).length);
    // Sign-in needs neither the signed-in pages' styles nor another page's code.
    const pageStyles = [
      manifest["app/page-styles.ts"]?.file ?? "",
      ...(manifest["app/page-styles.ts"]?.css ?? []),
    ].filter((file) => file.endsWith(".css"));
    expect(pageStyles.length).toBeGreaterThan(0);
    for (const css of pageStyles) expect(login).not.toContain(css);
    expect(preloads(login)).not.toContain(fileOf("tickets/tickets-page.tsx"));
    const tickets = documents.get("tickets") ?? "";
    expect(preloads(tickets)).toContain(fileOf("tickets/tickets-page.tsx"));
    // A signed-in page links the pages' styles as it links the app's: in the body, after the app's
    // stylesheet (the order the app gives them; Vite's loader then adds no copy to the head).
    const entryStyles = manifest["index.html"]?.css ?? [];
    expect(entryStyles.length).toBeGreaterThan(0);
    const at = (css: string) => tickets.indexOf(`<link rel="stylesheet" crossorigin href="/${css}">`);
    for (const css of pageStyles) {
      expect(at(css)).toBeGreaterThan(tickets.indexOf("<body>"));
      for (const entry of entryStyles) expect(at(css)).toBeGreaterThan(at(entry));
      expect(at(css)).toBeLessThan(tickets.indexOf('<div id="root"></div>'));
    }
    // Only scripts are preloaded as modules.
    for (const file of [...preloads(login), ...preloads(tickets)]) expect(file).toMatch(/\.js$/);
    // A path no page answers gets the document as built; without a manifest, every path does.
    expect(documents.get(null)).toBe(index);
    expect(pageDocuments(index, null).get("tickets")).toBeUndefined();
  });

  it("keeps each first screen to a few files (a phone's network waits a round trip per file)", () => {
    const closure = (key: string, into = new Set<string>()) => {
      if (into.has(key) || !manifest[key]) return into;
      into.add(key);
      for (const imported of manifest[key].imports ?? []) closure(imported, into);
      return into;
    };
    const entry = closure("index.html");
    // (A file under 1 KB has no .br copy: it is sent as it is.)
    const sentBytes = (file: string) =>
      existsSync(path.join(webRoot, `${file}.br`))
        ? statSync(path.join(webRoot, `${file}.br`)).size
        : statSync(path.join(webRoot, file)).size;
    const brotliBytes = (keys: Iterable<string>) =>
      [...keys].reduce((sum, key) => sum + sentBytes(manifest[key]?.file ?? ""), 0);
    const beyondEntry = (source: string) => [...closure(source)].filter((key) => !entry.has(key));
    // The entry is one file (the bundler left alone made it 16).
    expect(entry.size).toBeLessThanOrEqual(2);
    // Sign-in: the page, every page's kit and the sign-in form's own (vite.config.ts, groups
    // "controls" and "sign-in"). A fourth file means the form uses a component neither group
    // lists: add it to one of them.
    const signIn = beyondEntry("auth/login-page.tsx");
    expect(
      signIn.map((key) => manifest[key]?.file),
      "sign-in's files beyond the entry",
    ).toHaveLength(3);
    // …and all its code stays well under the 250 KB for the whole page (it is ~170 KB).
    expect(brotliBytes([...entry, ...signIn])).toBeLessThan(200_000);
    for (const page of ["dashboard/dashboard-page.tsx", "tickets/tickets-page.tsx", "customers/customer-page.tsx"]) {
      expect(beyondEntry(page).length, page).toBeLessThanOrEqual(12);
    }
    // The queue and the dashboard download neither sign-in's own kit (its form library, passkeys)
    // nor the notifications' container (fetched once the page's files have loaded, main.tsx): only the store
    // the pages show notifications through, in "controls".
    for (const page of ["dashboard/dashboard-page.tsx", "tickets/tickets-page.tsx"]) {
      const groups = [...entry, ...beyondEntry(page)].map((key) => manifest[key]?.name);
      expect(groups, page).toContain("controls");
      expect(groups, page).not.toContain("sign-in");
      expect(groups, page).not.toContain("notifications");
      // …nor the components their first screens do not draw (vite.config.ts, group "ui-more").
      expect(groups, page).not.toContain("ui-more");
    }
    // Sign-in, the queue and the dashboard download no zod and no API schema: those are for the
    // forms and the live stream's checks, loaded later (vite.config.ts, reachesZod). zod keeps its
    // schema classes' names ("$ZodObject") as strings, minified (in backquotes) or not.
    const zodFiles = Object.values(manifest)
      .map((chunk) => chunk.file)
      .filter(
        (file) => file.endsWith(".js") && /["'`]\$ZodObject["'`]/.test(readFileSync(path.join(webRoot, file), "utf8")),
      );
    expect(zodFiles.length, "the build has zod somewhere (the forms need it)").toBeGreaterThan(0);
    for (const page of ["auth/login-page.tsx", "tickets/tickets-page.tsx", "dashboard/dashboard-page.tsx"]) {
      const files = [...entry, ...beyondEntry(page)].map((key) => manifest[key]?.file);
      expect(
        files.filter((file) => zodFiles.includes(file ?? "")),
        `${page} downloads zod`,
      ).toEqual([]);
    }
  });

  it("escapes the session so no value can end its data block", () => {
    const name = `</script><script>alert(1)</script><!-- & \u2028`;
    const block = sessionDataBlock({ user: { name } } as unknown as SessionInfo);
    expect(block.match(/<\/script>/g)).toHaveLength(1);
    expect(block).not.toContain("<!--");
    const json = /^<script type="application\/json" id="uplink-session">(.*)<\/script>$/s.exec(block)?.[1] ?? "";
    expect(JSON.parse(json).user.name).toBe(name);
  });
});

describe.each(testDatabaseKinds())("the page carries its session on %s", (kind) => {
  const t = useTestApp(kind);

  it("signed out: null, no session asked for, and the page may be revalidated", async () => {
    const response = await t().app.inject({ method: "GET", url: "/login" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/html/);
    expect(response.headers["cache-control"]).toBe("no-cache");
    expect(sessionIn(response)).toBeNull();
    expect(preloads(response.body)).toContain(fileOf("auth/login-page.tsx"));
    // No signed-in frame on the sign-in page.
    expect(response.body).not.toContain("uplink-shell");
    const head = response.body.slice(0, response.body.indexOf("</head>"));
    expect(manifest["index.html"]?.css?.length).toBeGreaterThan(0);
    for (const css of manifest["index.html"]?.css ?? []) {
      expect(head).toContain(`<link rel="stylesheet" crossorigin href="/${css}">`);
    }
  });

  it("signed in: the same session /api/auth/me answers, and the page is never stored", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const response = await admin.get("/tickets?status=open");
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("private, no-store");
    const me = (await admin.get("/api/auth/me")).json() as SessionInfo;
    expect(sessionIn(response)).toEqual(me);
    expect(sessionIn(response)?.csrfToken).toBe(admin.csrfToken);
    expect(preloads(response.body)).toContain(fileOf("tickets/tickets-page.tsx"));
    // The header bar and "Loading…" are drawn from the HTML while the code downloads…
    expect(response.body).toContain(`<div id="uplink-shell">${SIGNED_IN_SHELL}</div>`);
    // …before the root, which stays the app's alone.
    expect(response.body.indexOf(SIGNED_IN_SHELL)).toBeLessThan(response.body.indexOf('<div id="root"></div>'));
    // …styled in the head, while the app's stylesheet is linked in the body, after the frame and
    // before the root: in the head it held the first paint until it had loaded (the module script
    // still waits for it before it runs).
    const head = response.body.slice(0, response.body.indexOf("</head>"));
    expect(head).toMatch(/<style>[^<]*\.uplink-shell-header\{[^<]*<\/style>/);
    expect(manifest["index.html"]?.css?.length).toBeGreaterThan(0);
    for (const css of manifest["index.html"]?.css ?? []) {
      const link = `<link rel="stylesheet" crossorigin href="/${css}">`;
      expect(head).not.toContain(link);
      // After the frame (it paints without waiting) and before the root (the theme's variables,
      // a style element in the root, override the stylesheet's defaults).
      expect(response.body.indexOf(link)).toBeGreaterThan(response.body.indexOf(SIGNED_IN_SHELL));
      expect(response.body.indexOf(link)).toBeLessThan(response.body.indexOf('<div id="root"></div>'));
    }
  });

  it("an admin's page carries the SMS status /api/sms/status answers; no one else's does", async () => {
    const smsStatusIn = (body: string) => {
      const block = /<script type="application\/json" id="uplink-sms-status">(.*?)<\/script>/s.exec(body);
      return block ? JSON.parse(block[1] ?? "") : undefined;
    };
    const admin = await signIn(t().app, DEMO.admin);
    const page = await admin.get("/tickets");
    expect(smsStatusIn(page.body)).toEqual((await admin.get("/api/sms/status")).json());
    // A technician's pages do not wait for it (the notice is an admin's), and a signed-out page has none.
    const john = await signIn(t().app, DEMO.john);
    expect(smsStatusIn((await john.get("/tickets")).body)).toBeUndefined();
    expect(smsStatusIn((await t().app.inject({ method: "GET", url: "/tickets" })).body)).toBeUndefined();
  });

  it("a stale or forged cookie is signed out, not an error", async () => {
    const response = await t().app.inject({
      method: "GET",
      url: "/customers/123",
      headers: { cookie: "uplink_session=forged-token-value" },
    });
    expect(response.statusCode).toBe(200);
    expect(sessionIn(response)).toBeNull();
    expect(preloads(response.body)).toContain(fileOf("customers/customer-page.tsx"));
  });

  it("a user's name cannot break out of the page's session block", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    // (`$&`, `$'`, `` $` `` would paste parts of the page into it, were it put in by a replacement string.)
    const name = "Eve </script><script>alert(document.cookie)</script> $` $' $&";
    const created = await admin.post("/api/users", {
      name,
      email: `eve-${kind}@isp.test`,
      role: "agent",
      password: "long-password-1",
    });
    expect(created.statusCode).toBe(201);
    const eve = await signIn(t().app, { email: `eve-${kind}@isp.test`, password: "long-password-1" });
    const response = await eve.get("/");
    expect(response.body).not.toContain("<script>alert");
    expect(sessionIn(response)?.user.name).toBe(name);
    // One frame, one root, one session block: nothing of the page was pasted into the name.
    for (const once of ['<div id="uplink-shell">', '<div id="root">', 'id="uplink-session"', "<html"]) {
      expect(response.body.split(once).length, once).toBe(2);
    }
  });
});
