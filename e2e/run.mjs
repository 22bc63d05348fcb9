// End-to-end tests of the built app in headless Chromium (playwright-core
// driving Debian's /usr/bin/chromium). Run through `cargo xtask e2e`, which
// builds the app, the CLI's compiled output and a docs site, and passes
// their locations in the environment.
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run through \`cargo xtask e2e\``);
  return v;
};
const DIST = env("TRELLIS_DIST");
const SITE = env("TRELLIS_SITE");
const COMPILED = env("TRELLIS_COMPILED");
const WORK = env("TRELLIS_WORK");
const ARTIFACTS = env("TRELLIS_ARTIFACTS");
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const only = process.argv[2];

const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".json": "application/json", ".gz": "application/gzip", ".zip": "application/zip", ".png": "image/png" };

// Static files: the app at /, the docs site at /site/, test inputs at /work/.
function serve() {
  const mounts = [["/site/", SITE], ["/work/", WORK], ["/", DIST]];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split("?")[0]);
    const [prefix, dir] = mounts.find(([p]) => url.startsWith(p));
    let file = path.join(dir, url.slice(prefix.length));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end("not found"); return; }
      res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" }).end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function assertEq(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}:\n--- expected\n${expected}\n--- actual\n${actual}`);
  }
}

function findFile(dir, name) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { const f = findFile(p, name); if (f) return f; }
    else if (e.name === name) return p;
  }
  return null;
}

// Inputs: the shop as .tar.gz and .zip, and a hostile zip.
function makeArchives() {
  const shop = path.join(ROOT, "examples/shop");
  const tgz = path.join(WORK, "shop.tar.gz");
  execFileSync("tar", ["czf", tgz, "--exclude=target", "--exclude=logs", "-C", path.dirname(shop), "shop"]);
  const zip = path.join(WORK, "shop.zip");
  const evil = path.join(WORK, "evil.zip");
  execFileSync("python3", ["-c", `
import os, sys, zipfile
shop, out, evil = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d, dirs, files in os.walk(shop):
        dirs[:] = [x for x in dirs if x not in ("target", "logs")]
        for f in files:
            p = os.path.join(d, f)
            z.write(p, os.path.join("shop", os.path.relpath(p, shop)))
with zipfile.ZipFile(evil, "w") as z:
    z.writestr("p/dbt_project.yml", "name: p\\n")
    z.writestr("../../evil.sql", "select 1")
`, shop, zip, evil]);
  return { tgz, zip, evil };
}

const results = [];
async function test(name, fn) {
  if (only && !name.includes(only)) return;
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, "ok"]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, "FAILED"]);
    console.log(`FAIL ${name}\n${e.stack || e}`);
  }
}

const server = await serve();
const BASE = `http://127.0.0.1:${server.address().port}/`;
const archives = makeArchives();
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const errors = [];
context.on("weberror", (e) => errors.push(String(e.error())));

async function newPage() {
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("favicon")) errors.push(m.text()); });
  return page;
}
const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
const heading = (page) => page.locator("main h1").first().innerText();
// A route change shows its page a moment after the URL changes: wait (up to
// 10 s) for the heading to read `name`, then compare, so a wrong page still fails.
async function expectHeading(page, name, what) {
  const exact = new RegExp("^" + name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "$");
  await page.locator("main h1").first().filter({ hasText: exact }).waitFor({ timeout: 10_000 }).catch(() => {});
  assertEq(await heading(page), name, what);
}
const sidebar = (page) => page.locator("nav.sidebar");

async function waitProject(page, name) {
  await page.locator(".project-name", { hasText: name }).waitFor({ timeout: 120_000 });
  await page.locator(".progress").waitFor({ state: "detached", timeout: 120_000 });
}

async function compiledMatchesCli(page, model) {
  const expected = fs.readFileSync(findFile(COMPILED, `${model}.sql`), "utf8");
  const shown = await page.locator("#compiled-sql").innerText();
  assertEq(shown.trimEnd(), expected.trimEnd(), `compiled SQL of ${model}`);
}

await test("example: sidebar navigation, compiled SQL equals the CLI's, search, history, themes", async () => {
  const page = await newPage();
  await page.goto(BASE);
  await shot(page, "01-open-page");
  await page.getByRole("button", { name: "Open the example shop" }).click();
  await waitProject(page, "shop");
  await shot(page, "02-overview");
  // Keyboard in the tree: focus "models", down to "intermediate", "marts", open it, down to "customers".
  await sidebar(page).locator("button.branch", { hasText: "models" }).focus();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowDown");
  assertEq(await page.evaluate(() => document.activeElement.textContent.trim()), "customers", "tree keyboard focus");
  await sidebar(page).getByRole("link", { name: "orders", exact: true }).click();
  await page.waitForURL(/#\/r\/model\.shop\.orders$/, { waitUntil: "commit" });
  await expectHeading(page, "orders", "heading");
  await compiledMatchesCli(page, "orders");
  await shot(page, "03-model-page");
  // Search palette: keyboard only.
  await page.keyboard.press("Control+k");
  await page.getByRole("combobox").fill("lifetime");
  await page.locator("#palette-results li").first().waitFor();
  await shot(page, "04-search");
  await page.getByRole("combobox").fill("customers");
  await page.locator("#palette-results li", { hasText: "customers" }).first().waitFor();
  await page.keyboard.press("Enter");
  await page.waitForURL(/#\/r\/model\.shop\.customers$/, { waitUntil: "commit" });
  await expectHeading(page, "customers", "heading after search");
  await compiledMatchesCli(page, "customers");
  await page.goBack();
  await page.waitForURL(/orders$/, { waitUntil: "commit" });
  await expectHeading(page, "orders", "heading after back");
  await page.goForward();
  await page.waitForURL(/customers$/, { waitUntil: "commit" });
  // A generic test's spec page, reached from the columns table.
  await page.locator("table.columns a.test-chip", { hasText: "unique" }).first().click();
  await page.getByRole("heading", { name: "Test spec" }).waitFor();
  assert((await page.locator("#compiled-sql").innerText()).includes("customer_id"), "compiled test SQL");
  await shot(page, "05-test-page");
  // Selection with dbt's syntax, evaluated by the core's selector engine.
  await page.getByRole("searchbox", { name: /Select nodes/ }).fill("+customers,resource_type:model");
  await page.keyboard.press("Enter");
  // The same nodes `trellis ls` selects (dbt's eager indirect selection adds the models' tests).
  const listed = (await sidebar(page).locator("ul.selection a .name").allInnerTexts()).sort();
  const cli = execFileSync(env("TRELLIS_BIN"), ["ls", "--project-dir", path.join(ROOT, "examples/shop"), "--select",
    "+customers,resource_type:model", "--resource-type", "all", "--output", "name"], { encoding: "utf8" })
    .split("\n").filter(Boolean).sort();
  assertEq(listed.join("\n"), cli.join("\n"), "sidebar selection vs trellis ls");
  await shot(page, "06-selection");
  // Every other kind of page renders: source, seed, analysis, macro, exposure, docs block.
  const pages = [
    ["source.shop.jaffle_raw.customers", "jaffle_raw.customers", "15-source"],
    ["seed.shop.raw_customers", "raw_customers", null],
    ["analysis.shop.revenue_by_month", "revenue_by_month", null],
    ["macro.shop.cents_to_dollars", "cents_to_dollars", "16-macro"],
    ["exposure.shop.weekly_revenue_dashboard", "weekly_revenue_dashboard", "17-exposure"],
    ["doc.shop.customer_id", "customer_id", null],
  ];
  for (const [id, name, picture] of pages) {
    await page.goto(BASE + "#/r/" + id);
    await expectHeading(page, name, `heading of ${id}`);
    if (picture) await shot(page, picture);
  }
  assert(await page.locator(".md").count() >= 1, "docs block rendered");
  // A unit test's SQL (its input's column types are declared in YAML) equals the CLI's.
  await page.goto(BASE + "#/r/unit_test.shop.stg_customers.customer_names_and_emails_are_cleaned");
  await page.getByRole("heading", { name: "Unit test" }).waitFor();
  await compiledMatchesCli(page, "customer_names_and_emails_are_cleaned");
  assert((await page.locator("#compiled-sql").innerText()).includes("__dbt__cte__jaffle_raw__customers"), "fixture CTE");
  await shot(page, "18-unit-test");
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  assertEq(await page.locator("html").getAttribute("data-theme"), "dark", "theme");
  await page.close();
  // A deep link in a fresh page: the project opens, the linked page shows; the theme was kept.
  const fresh = await newPage();
  await fresh.goto(BASE + "#/r/model.shop.orders");
  await fresh.getByRole("button", { name: "Open the example shop" }).click();
  await waitProject(fresh, "shop");
  assertEq(await heading(fresh), "orders", "deep link survives opening");
  assertEq(await fresh.locator("html").getAttribute("data-theme"), "dark", "theme kept");
  await shot(fresh, "07-model-dark");
  await fresh.getByRole("button", { name: "Switch to light theme" }).click();
  await fresh.close();
});

await test("settings: another adapter, database, schema and vars recompile the project", async () => {
  const page = await newPage();
  await page.goto(BASE + "#/r/model.shop.orders");
  await page.getByRole("button", { name: "Open the example shop" }).click();
  await waitProject(page, "shop");
  await page.locator(".topbar .chip").click();
  const dialog = page.getByRole("dialog", { name: "Compile settings" });
  await dialog.getByRole("checkbox").check();
  await dialog.getByRole("combobox").selectOption("postgres");
  await dialog.getByLabel("Database").fill("warehouse");
  await dialog.getByLabel("Schema").fill("analytics");
  await shot(page, "14-settings");
  await dialog.getByRole("button", { name: "Recompile" }).click();
  await page.locator(".topbar .chip", { hasText: "postgres · warehouse.analytics" }).waitFor();
  await page.locator(".progress").waitFor({ state: "detached" });
  const sql = await page.locator("#compiled-sql").innerText();
  assert(sql.includes('"warehouse"."analytics"."stg_orders"'), `compiled for the new target:\n${sql}`);
  await page.close();
});

await test("folder: open the example from a directory picker", async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator("#open-folder").setInputFiles(path.join(ROOT, "examples/shop"));
  await waitProject(page, "shop");
  await page.goto(BASE + "#/r/model.shop.stg_orders");
  await page.locator("#open-folder").waitFor({ state: "detached" });
  await expectHeading(page, "stg_orders", "heading");
  await compiledMatchesCli(page, "stg_orders");
  await page.close();
});

await test("a large project: shown parsed first, from its resources' heads, then compiled", async () => {
  // More than 400 files, so that the worker hands the parsed project over first.
  const dir = path.join(WORK, "big");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "models"), { recursive: true });
  fs.writeFileSync(path.join(dir, "dbt_project.yml"), "name: big\nversion: '1.0'\nconfig-version: 2\nprofile: big\n");
  for (let i = 0; i < 450; i++) {
    const from = i === 0 ? "(select 1 as id)" : `{{ ref('m${i - 1}') }}`;
    fs.writeFileSync(path.join(dir, "models", `m${i}.sql`), `select id from ${from} as t`);
  }
  fs.writeFileSync(path.join(dir, "models", "schema.yml"),
    "version: 2\nmodels:\n  - name: m10\n    description: The **tenth** model.\n    columns:\n      - name: id\n        description: Its key.\n        data_tests: [unique]\n");
  const page = await newPage();
  await page.goto(BASE);
  await page.locator("#open-folder").setInputFiles(dir);
  await waitProject(page, "big");
  const marks = await page.evaluate(() => ["trellis-interactive", "trellis-compiled"]
    .map((m) => performance.getEntriesByName(m)[0]?.startTime));
  assert(marks[0] > 0 && marks[1] > marks[0], `shown parsed before compiled: ${marks}`);
  await page.goto(BASE + "#/r/model.big.m10");
  await expectHeading(page, "m10", "heading");
  assertEq(await page.locator(".description strong").innerText(), "tenth", "description");
  assertEq(await page.locator("td .test-chip").innerText(), "unique", "column test");
  assertEq((await page.locator("#compiled-sql").innerText()).trim(), 'select id from "dev"."main"."m9" as t', "compiled SQL");
  await page.close();
});

await test("archives: .tar.gz and .zip picked, .zip dropped, .tar.gz from ?project=, reopened from recents", async () => {
  const page = await newPage();
  for (const file of [archives.tgz, archives.zip]) {
    await page.goto(BASE + "#/open");
    await page.locator("#open-archive").setInputFiles(file);
    await waitProject(page, "shop");
    assertEq(await page.locator(".problems-link").innerText(), "0 errors · 0 warnings", "problems");
  }
  // Dropped on the open page.
  await page.goto(BASE + "#/open");
  const bytes = [...fs.readFileSync(archives.zip)];
  const dataTransfer = await page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], "dropped-shop.zip", { type: "application/zip" }));
    return dt;
  }, bytes);
  await page.dispatchEvent(".drop", "drop", { dataTransfer });
  await waitProject(page, "shop");
  assertEq(await page.url(), BASE + "#/", "the overview follows the open page");
  await page.goto(BASE + "?project=work/shop.tar.gz#/r/model.shop.customers");
  await waitProject(page, "shop");
  await expectHeading(page, "customers", "deep link with ?project=");
  await compiledMatchesCli(page, "customers");
  // Recents live in IndexedDB.
  const fresh = await newPage();
  await fresh.goto(BASE);
  await fresh.getByRole("button", { name: "shop.zip", exact: true }).click();
  await waitProject(fresh, "shop");
  await shot(fresh, "08-reopened");
  await fresh.close();
  await page.close();
});

await test("broken model: one error with file:line:col, the rest works, hostile HTML is inert", async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator("#open-folder").setInputFiles(path.join(ROOT, "e2e/fixtures/broken"));
  await waitProject(page, "broken");
  assert((await page.locator(".problems-link").innerText()).startsWith("1 errors"), "one error");
  await page.locator(".problems-link").click();
  const row = page.locator("table.problems tbody tr").first();
  const location = await row.locator(".location").innerText();
  assert(/^models\/bad\.sql:\d+:\d+$/.test(location), `location ${location}`);
  await shot(page, "09-problems");
  await row.getByRole("link").click();
  await expectHeading(page, "bad", "the broken model's page");
  assert(await page.locator(".callout.sev-error").count() === 1, "error shown on the page");
  await sidebar(page).getByRole("link", { name: "downstream", exact: true }).click();
  assert((await page.locator("#compiled-sql").innerText()).includes('"dev"."main"."good"'), "downstream compiled");
  await sidebar(page).getByRole("link", { name: "good", exact: true }).click();
  assertEq(await page.title(), "Trellis", "a script in a description does not run");
  assertEq(await page.locator(".description script").count(), 0, "script tags removed");
  assert((await page.locator(".description strong").innerText()) === "works", "markdown rendered");
  assert(await sidebar(page).locator("a.leaf.broken").count() === 1, "one red node");
  // Column types come from the project's catalog.json, which also adds undocumented columns.
  const types = await page.locator("table.columns code.type").allInnerTexts();
  assertEq(types.join(","), "INTEGER,VARCHAR", "column types from catalog.json");
  await shot(page, "10-broken-rest-works");
  await page.close();
});

await test("hostile archive: a clear error and nothing else happens", async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.getByRole("button", { name: "Open the example shop" }).click();
  await waitProject(page, "shop");
  await page.goto(BASE + "#/open");
  await page.locator("#open-archive").setInputFiles(archives.evil);
  const alert = page.locator(".error-banner");
  await alert.waitFor();
  assert((await alert.innerText()).includes("points outside the project"), await alert.innerText());
  assertEq(await page.locator(".project-name").innerText(), "shop", "the open project stays");
  await shot(page, "11-hostile-archive");
  await page.close();
  // From the page's address, the archive goes to the worker before the app
  // has loaded; the app then shows the worker's answer all the same.
  const direct = await newPage();
  await direct.goto(BASE + "?project=work/evil.zip");
  const banner = direct.locator(".error-banner");
  await banner.waitFor();
  assert((await banner.innerText()).includes("points outside the project"), await banner.innerText());
  assertEq(await direct.locator(".project-name").count(), 0, "no project is shown");
  await direct.close();
});

await test("manifest.json written by dbt-core opens, unit tests show as tables", async () => {
  const page = await newPage();
  await page.goto(BASE);
  await page.locator("#open-archive").setInputFiles(path.join(ROOT, "tests/goldens/kitchen_sink/manifest.json"));
  await waitProject(page, "kitchen_sink");
  assert((await page.locator(".topbar .chip").innerText()).startsWith("manifest"), "manifest mode");
  // dict and csv rows are tables; sql rows are code.
  await page.goto(BASE + "#/r/" + encodeURIComponent("unit_test.kitchen_sink.transaction_flags.transaction_flags_with_overrides"));
  await page.getByRole("heading", { name: "Unit test" }).waitFor();
  assertEq(await page.locator("table.rows").count(), 3, "two given inputs and the expected rows as tables");
  assert((await page.locator("section pre.plain").first().innerText()).includes("is_incremental"), "overrides shown");
  await shot(page, "12-unit-test");
  await page.goto(BASE + "#/r/" + encodeURIComponent("unit_test.kitchen_sink.fct_transactions.signed_amount_negates_refunds"));
  await page.locator(".given pre").waitFor();
  assertEq(await page.locator("table.rows").count(), 1, "sql given as code, expected rows as a table");
  await page.close();
});

await test("docs site: the bundled project opens directly at a deep link", async () => {
  const page = await newPage();
  await page.goto(BASE + "site/#/r/model.shop.orders");
  await waitProject(page, "shop");
  await expectHeading(page, "orders", "heading");
  await compiledMatchesCli(page, "orders");
  await shot(page, "13-docs-site");
  await page.close();
});

await test("docs site from file://: the page says how to serve it instead of staying blank", async () => {
  // A context of its own: the browser's refusal to load the module is
  // expected here, so its console errors are not collected.
  const own = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await own.newPage();
  await page.goto("file://" + path.join(SITE, "index.html"));
  const notice = page.locator("#file-notice");
  await notice.waitFor();
  assert((await notice.innerText()).includes("served over HTTP"), "file:// notice");
  assert((await notice.innerText()).includes(`--directory ${SITE}`), "the folder to serve is named");
  await shot(page, "19-file-url");
  await own.close();
});

await browser.close();
server.close();
const failed = results.filter(([, r]) => r !== "ok");
const unexpected = errors.filter((e) => !e.includes("integrity"));
if (unexpected.length) console.log("errors in the page:\n" + unexpected.join("\n"));
console.log(`${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${ARTIFACTS}`);
process.exit(failed.length || unexpected.length ? 1 : 0);
