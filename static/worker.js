// The compile worker: the app's own module, instantiated off the main thread.
// Its start function sees no `window` and leaves the page alone; requests go
// to the exported `worker_handle`, progress and results come back as JSON.
import init, { worker_handle } from "./trellis-app.js";

const ready = init({ module_or_path: new URL("./trellis-app_bg.wasm", import.meta.url) });

self.onmessage = async (event) => {
  const { request, bytes } = event.data;
  try {
    await ready;
    // When each phase was first and last reported, for `cargo xtask bench-app`.
    const phases = {};
    const progress = (text) => {
      // Phases after the parsed project was handed over are those of the compile.
      const phase = JSON.parse(text).phase + (parsedAt ? "@compile" : "");
      const now = Date.now();
      (phases[phase] ||= { first: now }).last = now;
      self.postMessage({ type: "progress", text });
    };
    const t0 = Date.now();
    let parsedAt = null;
    const partial = (text) => {
      parsedAt = Date.now();
      self.postMessage({ type: "partial", text });
    };
    const text = worker_handle(request, bytes, progress, partial);
    // Timings for `cargo xtask bench-app`, as wall-clock times.
    console.debug("trellis-worker-timing " + JSON.stringify({ start: t0, parsed: parsedAt, compiled: Date.now(), bytes: text.length, phases }));
    self.postMessage({ type: "result", text });
  } catch (err) {
    self.postMessage({ type: "error", text: "the compiler stopped: " + String((err && err.message) || err) });
  }
};
