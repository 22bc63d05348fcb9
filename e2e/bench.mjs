// Time to interactive of the app on a generated project, in headless
// Chromium: from navigation to the moment the compiled project is shown
// (the page's `trellis-interactive` performance mark), then the time a
// search takes to show results. Prints one JSON line per run.
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const [dist, archive, runs = "3"] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split("?")[0]);
  const file = url === "/project.tar.gz" ? archive : path.join(dist, url === "/" ? "index.html" : url);
  fs.readFile(file, (err, data) => {
    if (err) return res.writeHead(404).end();
    const type = { ".wasm": "application/wasm", ".js": "text/javascript", ".html": "text/html", ".css": "text/css" }[path.extname(file)];
    res.writeHead(200, { "content-type": type || "application/octet-stream" }).end(data);
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
for (let i = 0; i < Number(runs); i++) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  let worker = null;
  page.on("worker", (w) => w.on("console", (m) => {
    if (m.text().startsWith("trellis-worker-timing ")) worker = JSON.parse(m.text().slice(22));
  }));
  await page.goto(base + "?project=project.tar.gz");
  await page.waitForFunction(() => performance.getEntriesByName("trellis-interactive").length > 0, null, { timeout: 600_000, polling: 50 });
  const interactive = await page.evaluate(() => performance.getEntriesByName("trellis-interactive")[0].startTime);
  await page.waitForFunction(() => performance.getEntriesByName("trellis-compiled").length > 0, null, { timeout: 600_000, polling: 100 });
  const compiled = await page.evaluate(() => performance.getEntriesByName("trellis-compiled")[0].startTime);
  const nodes = await page.locator(".counts").innerText();
  await page.keyboard.press("Control+k");
  const search = await page.evaluate(async () => {
    const input = document.querySelector(".palette input");
    const t0 = performance.now();
    input.value = "customer";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    while (!document.querySelector("#palette-results li")) await new Promise((r) => setTimeout(r, 0));
    return performance.now() - t0;
  });
  const marks = { marks: await page.evaluate(() => performance.getEntriesByType("mark")
    .filter((m) => m.name.startsWith("trellis-")).map((m) => `${m.name.slice(8)}@${Math.round(m.startTime)}`).join(" ")) };
  const origin = await page.evaluate(() => performance.timeOrigin);
  const rel = (t) => (t == null ? null : Math.round(t - origin));
  const breakdown = worker && { worker_start_ms: rel(worker.start), worker_parsed_ms: rel(worker.parsed), worker_compiled_ms: rel(worker.compiled), result_bytes: worker.bytes,
    worker_phases_ms: Object.fromEntries(Object.entries(worker.phases || {}).map(([k, v]) => [k, [rel(v.first), rel(v.last)]])), ...marks };
  console.log(JSON.stringify({ run: i + 1, breakdown, interactive_ms: Math.round(interactive), compiled_ms: Math.round(compiled), search_ms: Math.round(search), counts: nodes.replace(/\s+/g, " ") }));
  await context.close();
}
await browser.close();
server.close();
