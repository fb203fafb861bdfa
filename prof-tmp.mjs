import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
const base = "http://127.0.0.1:5055";
const path = process.argv[2] ?? "/";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const ctx = await b.newContext({ viewport: { width: 412, height: 823 }, isMobile: true });
const p = await ctx.newPage();
await p.goto(base + "/login");
await p.getByLabel("Email").fill("admin@isp.com");
await p.getByLabel(/^Password/).fill("admin123");
await p.getByRole("button", { name: "Sign in", exact: true }).click();
await p.waitForURL(base + "/");
await p.waitForTimeout(1500);
const p2 = await ctx.newPage();
const cdp = await ctx.newCDPSession(p2);
await cdp.send("Network.enable");
await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
await cdp.send("Profiler.start");
await p2.goto(base + path);
await p2.waitForTimeout(6000);
const { profile } = await cdp.send("Profiler.stop");
writeFileSync("/tmp/exp/page.cpuprofile", JSON.stringify(profile));
// self time per function, and inclusive time per function
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map(), incl = new Map();
const dt = profile.timeDeltas; let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const d = (dt[i + 1] ?? 0) / 1000; const id = profile.samples[i]; const n = byId.get(id);
  const name = (n) => `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  if (["(idle)", "(program)"].includes(n.callFrame.functionName)) continue;
  total += d;
  self.set(name(n), (self.get(name(n)) ?? 0) + d);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const nn = byId.get(cur); const k = name(nn); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + d); } cur = parent.get(cur); }
}
console.log("busy ms", total.toFixed(0));
console.log("-- self"); for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(1).padStart(7), k);
console.log("-- inclusive"); for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(v.toFixed(1).padStart(7), k);
await b.close();
