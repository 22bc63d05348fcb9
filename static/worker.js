// The compile worker: the app's own module, instantiated off the main thread.
// Its start function sees no `window` and leaves the page alone; requests go
// to the exported `worker_handle`; progress comes back as JSON text, results
// as JSON in UTF-8 bytes.
import init, { worker_handle, worker_warm_up } from "./trellis-app.js";

// Once the module is in, compiles of the bundled example have the browser
// compile the compiler's code (lazily, on first calls) while the page is
// still loading or the user is still picking a project. A request stops the
// warm-up at the end of its current step.
let requested = false;
const ready = init({ module_or_path: new URL("./trellis-app_bg.wasm", import.meta.url) }).then(async () => {
  try {
    for (let step = 0; !requested && worker_warm_up(step); step++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (_) { /* the real request reports errors */ }
});

self.onmessage = async (event) => {
  const { request, bytes } = event.data;
  requested = true;
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
};
