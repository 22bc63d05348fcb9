// Browser APIs the app reaches through JavaScript: the compile worker,
// reading picked or dropped files, fetching archives, IndexedDB, clipboard.
// Values cross to Rust as strings (JSON) or Uint8Arrays.

const TEXT_EXT = /\.(sql|ya?ml|csv|md|py|json)$/i;
const MAX_TEXT_FILE = 64 * 1024 * 1024;

// What the page started before the app loaded (see index.html), taken once.
function early(key) {
  const e = globalThis.TRELLIS_EARLY;
  const v = e && e[key];
  if (e) e[key] = null;
  return v;
}

// The worker index.html started, once the app has taken it: its answers are
// held until the app has begun a request (`releaseEarly`).
let held = null;

export function createWorker(url, onMessage) {
  const E = globalThis.TRELLIS_EARLY;
  let w = url === "worker.js" ? early("worker") : null;
  if (w && E.failed) {
    w.terminate();
    w = null;
  }
  // Results come as UTF-8 bytes, moved rather than copied; the rest as text.
  const deliver = (d) => onMessage(d.type, d.text ?? "", d.bytes ?? null);
  const fail = (e) => {
    e.preventDefault();
    deliver({ type: "error", text: "the compiler stopped: " + (e.message || "worker failed") });
  };
  if (w) {
    held = { worker: w, deliver, fail };
    w.onerror = (e) => {
      e.preventDefault();
      E.failed = e.message || "worker failed";
    };
    return w;
  }
  w = new Worker(url, { type: "module" });
  w.onmessage = (e) => deliver(e.data);
  w.onerror = fail;
  return w;
}

// Whether index.html sent the worker `url`'s archive: the app then adopts
// that request instead of sending its own.
export function earlySent(url) {
  const E = globalThis.TRELLIS_EARLY;
  return !!(E && held && E.url === url && E.sent);
}

// Hands the held worker's answers, those so far and those to come, to the
// app, once it has begun a request (its own, or the adopted one); a worker
// that failed to load is reported then.
export function releaseEarly() {
  if (!held) return;
  const { worker, deliver, fail } = held;
  const E = globalThis.TRELLIS_EARLY;
  held = null;
  worker.onmessage = (e) => deliver(e.data);
  worker.onerror = fail;
  for (const m of E.messages.splice(0)) deliver(m);
  if (E.failed) deliver({ type: "error", text: "the compiler stopped: " + E.failed });
}

export function postToWorker(worker, request, bytes) {
  if (bytes && bytes.length) {
    worker.postMessage({ request, bytes }, [bytes.buffer]);
  } else {
    worker.postMessage({ request, bytes: new Uint8Array(0) });
  }
}

export function terminateWorker(worker) {
  worker.terminate();
}

async function readTextFiles(pairs) {
  const out = {};
  for (const [path, file] of pairs) {
    if (!TEXT_EXT.test(path) || file.size > MAX_TEXT_FILE) continue;
    out[path] = await file.text();
  }
  return JSON.stringify(out);
}

// Files of an <input webkitdirectory>: JSON {path: text}.
export async function readFileList(input) {
  const pairs = [];
  for (const f of input.files) pairs.push([f.webkitRelativePath || f.name, f]);
  input.value = "";
  return readTextFiles(pairs);
}

// The first file of an <input type=file>: {name, bytes}.
export async function readPickedFile(input) {
  const f = input.files[0];
  input.value = "";
  if (!f) return null;
  return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
}

function entryFile(entry) {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readDir(reader) {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry, prefix, pairs) {
  if (entry.isFile) {
    pairs.push([prefix + entry.name, await entryFile(entry)]);
  } else if (entry.isDirectory) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") return;
    const reader = entry.createReader();
    for (;;) {
      const batch = await readDir(reader);
      if (!batch.length) break;
      for (const e of batch) await walk(e, prefix + entry.name + "/", pairs);
    }
  }
}

// A drop: a folder gives {kind: "files", text}, a single file {kind: "file", name, bytes}.
// Entries must be taken synchronously, inside the drop event.
export function readDrop(dataTransfer) {
  const entries = [];
  for (const item of dataTransfer.items) {
    const e = item.webkitGetAsEntry && item.webkitGetAsEntry();
    if (e) entries.push(e);
  }
  const files = [...dataTransfer.files];
  return (async () => {
    // One file (an archive or a manifest); entries can be missing for drops
    // that do not come from the file system.
    if (files.length === 1 && (entries.length === 0 || (entries.length === 1 && entries[0].isFile))) {
      return { kind: "file", name: files[0].name, bytes: new Uint8Array(await files[0].arrayBuffer()) };
    }
    const pairs = [];
    for (const e of entries) await walk(e, "", pairs);
    return { kind: "files", name: entries.length ? entries[0].name : "dropped files", text: await readTextFiles(pairs) };
  })();
}

export async function fetchBytes(url) {
  const e = globalThis.TRELLIS_EARLY;
  if (e && e.url === url && e.bytes) return new Uint8Array(await early("bytes"));
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// The compiled project a docs site carries (see `trellis docs build`).
export function bundle() {
  return typeof globalThis.TRELLIS_BUNDLE === "string" ? globalThis.TRELLIS_BUNDLE : null;
}

export function copyText(text) {
  if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
}

// Recently opened projects, kept in IndexedDB so they reopen offline.
const DB = "trellis";
const STORE = "recents";
const KEEP = 8;

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function tx(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(STORE, mode);
    const out = fn(t.objectStore(STORE));
    t.oncomplete = () => resolve(out && out.result);
    t.onerror = () => reject(t.error);
  });
}

// JSON [{id, name, kind, opened}], newest first.
export async function recentsList() {
  const db = await openDb();
  const all = await tx(db, "readonly", (s) => s.getAll());
  return JSON.stringify(
    all.sort((a, b) => b.opened - a.opened).map(({ id, name, kind, opened }) => ({ id, name, kind, opened })),
  );
}

// Stores a project (replacing one of the same name and kind); keeps the newest few.
export async function recentsPut(name, kind, text, bytes) {
  const db = await openDb();
  const all = await tx(db, "readonly", (s) => s.getAll());
  const same = all.filter((r) => r.name === name && r.kind === kind).map((r) => r.id);
  const old = all.sort((a, b) => b.opened - a.opened).slice(KEEP - 1).map((r) => r.id);
  await tx(db, "readwrite", (s) => {
    for (const id of new Set([...same, ...old])) s.delete(id);
    s.put({ name, kind, text, bytes, opened: Date.now() });
  });
}

export async function recentsGet(id) {
  const db = await openDb();
  const r = await tx(db, "readonly", (s) => s.get(id));
  if (!r) throw new Error("this project is no longer stored");
  return r;
}

export async function recentsDelete(id) {
  const db = await openDb();
  await tx(db, "readwrite", (s) => s.delete(id));
}

// Arrow keys in a tree (the WAI-ARIA tree pattern): up and down move between
// visible items, right opens a closed branch, left closes an open one.
export function treeKeys(event) {
  const tree = event.currentTarget;
  const items = [...tree.querySelectorAll("a.leaf, button.branch")];
  const at = items.indexOf(document.activeElement);
  if (at < 0) return;
  const item = items[at];
  const expanded = item.closest("li") && item.closest("li").getAttribute("aria-expanded");
  let next = null;
  switch (event.key) {
    case "ArrowDown": next = items[at + 1]; break;
    case "ArrowUp": next = items[at - 1]; break;
    case "Home": next = items[0]; break;
    case "End": next = items[items.length - 1]; break;
    case "ArrowRight": if (expanded === "false") item.click(); else next = items[at + 1]; break;
    case "ArrowLeft": if (expanded === "true") item.click(); break;
    default: return;
  }
  event.preventDefault();
  if (next) next.focus();
}
