import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { webRoot } from "../../src/server/http/web.js";
import { DEMO, problemOf, signIn, useTestApp } from "../support/app.js";
import { testDatabaseKinds } from "../support/databases.js";

// The global setup builds the web app (scripts/ensure-web-build.mjs), with its .br and .gz copies.
const indexHtml = readFileSync(path.join(webRoot, "index.html"), "utf8");
/** The entry script and the render-blocking stylesheet index.html links. */
const entryJs = indexHtml.match(/<script[^>]+src="(\/assets\/[^"]+\.js)"/)?.[1] ?? "";
const entryCss = [...indexHtml.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="(\/assets\/[^"]+\.css)"/g)].map(
  (match) => match[1] ?? "",
);
const assetFiles = readdirSync(path.join(webRoot, "assets"));
const builtText = (extension: string) =>
  assetFiles
    .filter((name) => name.endsWith(extension))
    .map((name) => readFileSync(path.join(webRoot, "assets", name), "utf8"))
    .join("\n");

const IMMUTABLE = "public, max-age=31536000, immutable";

function decoded(response: LightMyRequestResponse): Buffer {
  const encoding = response.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(response.rawPayload);
  if (encoding === "gzip") return gunzipSync(response.rawPayload);
  return response.rawPayload;
}

describe.each(testDatabaseKinds())("compression and caching on %s", (kind) => {
  const t = useTestApp(kind);

  it("sends the built JS brotli-compressed, gzip-compressed or as it is, as the client accepts", async () => {
    expect(entryJs).toMatch(/^\/assets\/index-.+\.js$/);
    const file = readFileSync(path.join(webRoot, entryJs));
    const get = (acceptEncoding?: string) =>
      t().app.inject({
        method: "GET",
        url: entryJs,
        headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
      });

    const br = await get("br, gzip");
    expect(br.statusCode).toBe(200);
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers["content-type"]).toMatch(/javascript/);
    expect(br.rawPayload.length).toBeLessThan(file.length / 3);
    expect(brotliDecompressSync(br.rawPayload).equals(file)).toBe(true);

    const gzip = await get("gzip");
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.rawPayload.length).toBeLessThan(file.length / 2);
    expect(gunzipSync(gzip.rawPayload).equals(file)).toBe(true);

    for (const plain of [await get(), await get("identity")]) {
      expect(plain.statusCode).toBe(200);
      expect(plain.headers["content-encoding"]).toBeUndefined();
      expect(plain.rawPayload.equals(file)).toBe(true);
    }

    for (const response of [br, gzip, await get()]) {
      expect(String(response.headers.vary).toLowerCase()).toContain("accept-encoding");
      expect(response.headers["cache-control"]).toBe(IMMUTABLE);
    }
  });

  it("sends the stylesheet compressed too, and caches hashed assets for a year but not the page", async () => {
    for (const css of entryCss) {
      const response = await t().app.inject({ method: "GET", url: css, headers: { "accept-encoding": "br, gzip" } });
      expect(response.headers["content-encoding"]).toBe("br");
      expect(response.headers["cache-control"]).toBe(IMMUTABLE);
      expect(brotliDecompressSync(response.rawPayload).equals(readFileSync(path.join(webRoot, css)))).toBe(true);
    }
    for (const url of ["/", "/login", "/tickets/T-000001", "/favicon.svg"]) {
      const response = await t().app.inject({ method: "GET", url, headers: { "accept-encoding": "br, gzip" } });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers["cache-control"], url).toBe("no-cache");
    }
    const page = await t().app.inject({ method: "GET", url: "/", headers: { "accept-encoding": "br, gzip" } });
    // The built document, with the page's own code named in its head and its session (here: none).
    // (A signed-in page's stylesheet moves after its frame, in the body: http/web.ts.)
    const html = decoded(page).toString("utf8");
    expect(indexHtml.indexOf('<link rel="stylesheet"')).toBeGreaterThan(0);
    expect(html.startsWith(indexHtml.slice(0, indexHtml.indexOf('<link rel="stylesheet"')))).toBe(true);
    expect(html).toContain('<script type="application/json" id="uplink-session">null</script>');
  });

  it("keeps the first screen's stylesheet to what sign-in and the shell draw", () => {
    expect(entryCss.length).toBeGreaterThan(0);
    const firstScreen = entryCss.map((css) => readFileSync(path.join(webRoot, css), "utf8")).join("\n");
    // Mantine's full stylesheet and the pages' extras were 314 KB; the first screen's is under 120 KB.
    expect(firstScreen.length).toBeLessThan(120_000);
    expect(firstScreen).not.toContain("mantine-datatable");
    expect(firstScreen).not.toContain("--chart-");
  });

  it("ships the stylesheet of every Mantine component the bundle uses", () => {
    // main.tsx and app/page-styles.ts list Mantine's per-component stylesheets by hand: a component
    // used without its stylesheet would render unstyled. Each component's classes (m_xxxxxxxx)
    // appear in the JS that renders it and in its stylesheet.
    const js = builtText(".js");
    const css = builtText(".css");
    const stylesDir = path.resolve("node_modules/@mantine/core/styles");
    const missing = readdirSync(stylesDir)
      .filter((name) => name.endsWith(".css") && !name.endsWith(".layer.css"))
      .filter((name) => {
        const selectors = new Set(readFileSync(path.join(stylesDir, name), "utf8").match(/\.m_[0-9a-f]{8}/g) ?? []);
        return [...selectors].some((selector) => js.includes(selector.slice(1)) && !css.includes(selector));
      });
    expect(missing, "add these to src/web/app/page-styles.ts (or main.tsx if sign-in uses them)").toEqual([]);
  });

  it("compresses API answers above 1 KB, keeps them uncacheable, and leaves small ones alone", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const rows = ["name,phone,email"];
    for (let i = 0; i < 60; i++) rows.push(`Compressed Subscriber ${i},+1201555${String(1000 + i)},c${i}@example.net`);
    const imported = await admin.post("/api/customers/import", { csv: `${rows.join("\n")}\n` });
    expect(imported.statusCode).toBe(200);
    expect(imported.json().created).toBe(60);

    const plain = await admin.get("/api/customers?limit=100&q=Compressed");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(10_000);

    for (const [acceptEncoding, encoding] of [
      ["br, gzip", "br"],
      ["gzip, deflate", "gzip"],
      // zstd and deflate are not offered: brotli and gzip reach every browser.
      ["zstd, deflate", undefined],
    ] as const) {
      const response = await admin.request({
        method: "GET",
        url: "/api/customers?limit=100&q=Compressed",
        headers: { "accept-encoding": acceptEncoding },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-encoding"], acceptEncoding).toBe(encoding);
      expect(response.headers["cache-control"]).toBe("no-store");
      if (encoding) {
        expect(String(response.headers.vary).toLowerCase()).toContain("accept-encoding");
        expect(response.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
      }
      expect(JSON.parse(decoded(response).toString("utf8"))).toEqual(plain.json());
    }

    // Below the threshold: sent as it is.
    const me = await admin.request({ method: "GET", url: "/api/auth/me", headers: { "accept-encoding": "br, gzip" } });
    expect(me.statusCode).toBe(200);
    expect(me.rawPayload.length).toBeLessThan(1024);
    expect(me.headers["content-encoding"]).toBeUndefined();
    expect(me.headers["cache-control"]).toBe("no-store");

    // Errors stay problem+json, compressed or not.
    const missing = await admin.request({
      method: "GET",
      url: "/api/customers/00000000-0000-4000-8000-000000000000",
      headers: { "accept-encoding": "br, gzip" },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(decoded(missing).toString("utf8"))).toMatchObject({ status: 404 });
    const invalid = await admin.request({
      method: "POST",
      url: "/api/customers",
      headers: { "accept-encoding": "br, gzip" },
      payload: { name: "" },
    });
    expect(invalid.statusCode).toBeGreaterThanOrEqual(400);
    expect(invalid.statusCode).toBeLessThan(500);
    expect(problemOf(invalid).status).toBe(invalid.statusCode);
  });

  it("streams the CSV export compressed, and it decompresses to the whole CSV", async () => {
    const admin = await signIn(t().app, DEMO.admin);
    const plain = await admin.get("/api/customers/export.csv?q=Compressed");
    expect(plain.statusCode).toBe(200);
    const expected = parse(plain.body, { columns: true }) as Record<string, string>[];
    expect(expected.length).toBe(60);

    // Over a real socket: the compressed export goes out in chunks as it is produced (no
    // Content-Length), with its download headers kept.
    const app = t().app;
    // (Listening is undone by the app's close after the suite.)
    await app.listen({ port: 0, host: "127.0.0.1" });
    {
      const { port } = app.server.address() as AddressInfo;
      const response = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: "127.0.0.1",
            port,
            path: "/api/customers/export.csv?q=Compressed",
            headers: { cookie: admin.cookie, "accept-encoding": "br, gzip" },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(response.headers["content-encoding"]).toBe("br");
      expect(response.headers["transfer-encoding"]).toBe("chunked");
      expect(response.headers["content-length"]).toBeUndefined();
      expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
      expect(response.headers["content-disposition"]).toBe('attachment; filename="customers.csv"');
      expect(response.headers["cache-control"]).toBe("no-store");
      const csv = brotliDecompressSync(response.body).toString("utf8");
      expect(csv).toBe(plain.body);
      expect(parse(csv, { columns: true })).toEqual(expected);
    }
  });
});
