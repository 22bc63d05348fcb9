// The compile worker: the app's own module, instantiated off the main thread.
// Its start function sees no `window` and leaves the page alone; requests go
// to the exported `worker_handle`; progress comes back as JSON text, results
// as JSON in UTF-8 bytes.
import init, { worker_handle, worker_warm_up } from "./trellis-app.js";

// Once the module is in, compiles of the bundled example have the browser
// compile the compiler's code (lazily, on first calls, and again optimized
// once it is hot) while the page is still loading or the user is still
// picking a project. The first step, a parse of the example, is taken even
// when a request is already waiting: it took about 0.1 s and had a
// 5,000-model project shown about 0.03 s sooner (and about 0.2 s sooner in
// Node), since the optimizing compiler starts on the hot code earlier. A
// request stops the warm-up at the end of its current step.
let requested = false;
// When the script started, its module was ready and the request came, for
// `cargo xtask bench-app`.
const marks = { script: Date.now() };
const ready = init({ module_or_path: new URL("./trellis-app_bg.wasm", import.meta.url) }).then(async () => {
  marks.module = Date.now();
  try {
    for (let step = 0; (step === 0 || !requested) && worker_warm_up(step); step++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (_) { /* the real request reports errors */ }
});

// A gzip archive is inflated by the browser's own (native) decompressor,
// which is several times quicker than the module's, and may start while the
// module is still loading. Anything unusual (more than the module's 512 MB
// limit, a stream the browser refuses, no DecompressionStream) leaves the
// bytes as they came, for the module to read or refuse with its own message.
async function gunzip(bytes) {
  if (!bytes || bytes[0] !== 0x1f || bytes[1] !== 0x8b || typeof DecompressionStream !== "function") return bytes;
  try {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    const parts = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > 512 * 1024 * 1024) {
        reader.cancel();
        return bytes;
      }
      parts.push(value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } catch (_) {
    return bytes;
  }
}

// Downloads `url` (index.html's `?project=`, named `name` there) and hands the
// page a copy, with whether it is compiled here: a manifest (JSON) is the
// page's to show.
async function download(url, name) {
  let bytes;
  try {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
    bytes = new Uint8Array(await r.arrayBuffer());
  } catch (err) {
    self.postMessage({ type: "download", error: String((err && err.message) || err) });
    return null;
  }
  let i = 0;
  while (i < bytes.length && (bytes[i] === 32 || (bytes[i] >= 9 && bytes[i] <= 13 && bytes[i] !== 11))) i++;
  const compiling = bytes[i] !== 123;
  self.postMessage({ type: "download", bytes: bytes.slice(), compiling });
  return compiling ? bytes : null;
}

self.onmessage = (event) => run(event.data);

// A request from index.html comes in the worker's name (JSON), to be taken
// at once: a message posted by the page reaches the worker only once the
// page's main thread is free, which took up to 0.4 s while the app loaded.
if (self.name) {
  let asked = null;
  try {
    asked = JSON.parse(self.name);
  } catch (_) { /* not a request */ }
  if (asked && asked.request && asked.url) run(asked);
}

async function run(data) {
  const { request, url, name } = data;
  marks.request = Date.now();
  requested = true;
  let bytes = data.bytes;
  if (url) {
    bytes = await download(url, name);
    if (!bytes) return;
    marks.downloaded = Date.now();
  }
  try {
    bytes = await gunzip(bytes);
    marks.inflated = Date.now();
    await ready;
    // When each phase was first and last reported, for `cargo xtask bench-app`.
    const phases = {};
    for (const [k, t] of Object.entries(marks)) phases[k] = { first: t, last: t };
    const progress = (text) => {
      // Phases after the parsed project was handed over are those of the compile.
      const phase = JSON.parse(text).phase + (parsedAt ? "@compile" : "");
      const now = Date.now();
      (phases[phase] ||= { first: now }).last = now;
      self.postMessage({ type: "progress", text });
    };
    const t0 = Date.now();
    let parsedAt = null;
    // Answers are JSON in UTF-8 bytes, moved to the page rather than copied.
    const partial = (answer) => {
      parsedAt = Date.now();
      self.postMessage({ type: "partial", bytes: answer }, [answer.buffer]);
    };
    const answer = worker_handle(request, bytes, progress, partial);
    // Timings for `cargo xtask bench-app`, as wall-clock times.
    console.debug("trellis-worker-timing " + JSON.stringify({ start: t0, parsed: parsedAt, compiled: Date.now(), bytes: answer.length, phases }));
    self.postMessage({ type: "result", bytes: answer }, [answer.buffer]);
  } catch (err) {
    self.postMessage({ type: "error", text: "the compiler stopped: " + String((err && err.message) || err) });
  }
}
