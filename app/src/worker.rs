//! The compile worker's side: requests in, compile results out. Plain Rust,
//! so it runs natively in tests; `main.rs` exports it to the worker script.

use serde::Deserialize;
use serde_json::json;
use std::cell::RefCell;
use std::collections::BTreeMap;
use trellis_compiler_wasm::session::{self, ProjectFiles};
use trellis_compiler_wasm::Options;

include!(concat!(env!("OUT_DIR"), "/example.rs"));

/// One request from the page.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// `example`, `files` (with `files`), `archive` (with the bytes) or
    /// `recompile` (the last project, new options).
    pub kind: String,
    #[serde(default)]
    pub files: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub options: Option<Options>,
}

thread_local! {
    /// The project last opened, kept for recompiles with other options.
    static CURRENT: RefCell<Option<ProjectFiles>> = const { RefCell::new(None) };
}

fn open(req: &mut Request, bytes: &[u8]) -> Result<(), String> {
    let files = match req.kind.as_str() {
        "example" => session::from_files(example_files()),
        "files" => session::from_files(req.files.take().unwrap_or_default()),
        "archive" => session::from_archive(bytes),
        "recompile" => {
            return CURRENT.with(|c| match c.borrow().is_some() {
                true => Ok(()),
                false => Err("no project is open".to_string()),
            })
        }
        other => return Err(format!("unknown request `{other}`")),
    }
    .map_err(|e| e.to_string())?;
    CURRENT.with(|c| *c.borrow_mut() = Some(files));
    Ok(())
}

fn example_files() -> BTreeMap<String, String> {
    EXAMPLE_SHOP
        .iter()
        .map(|(p, t)| (format!("shop/{p}"), t.to_string()))
        .collect()
}

/// Warms the worker up before a project arrives, in steps the worker takes
/// while no request waits: the bundled example is parsed (step 0), then
/// compiled (step 1), and the results are dropped. The browser compiles the
/// module's functions lazily, on their first call, and optimizes the hot
/// ones only after some use; this moves that work off the first real
/// compile. Returns whether there is a next step.
pub fn warm_up(step: u32) -> bool {
    if step > 1 {
        return false;
    }
    let Ok(project) = session::from_files(example_files()) else {
        return false;
    };
    if step == 0 {
        let _ = session::compile(&project, Options::default(), false, &mut |_| {});
    } else {
        let _ = session::compile_staged(&project, Options::default(), &mut |_| {}, &mut |_| {});
    }
    step == 0
}

/// Grows the heap once, before a compile, to about what the compile of
/// `project` will use, and hands the room back to the allocator.
///
/// The wasm allocator asks the engine for more memory as it runs out, a
/// little at a time, and those grows can be costly: in Node a first parse
/// of 5,000 models grew the memory to 243 MB that way and took about 2.1 s,
/// against about 1.1 s with this reservation; in Chromium the gain was
/// within the noise of the benchmark. Memory a compile leaves free
/// stays with the allocator, so a heap once grown is not grown again for a
/// project that needs no more (a recompile in particular): asking for the
/// room again could grow it anew when what is free is in pieces. Returns
/// how many bytes were asked for (0 when the heap was already grown enough).
fn reserve_memory(project: &ProjectFiles) -> usize {
    // A compile's heap peaked at about 20 times its text files' size.
    const HEAP_PER_TEXT_BYTE: usize = 20;
    // Within wasm32's 4 GiB, with room for the browser's own copies.
    const MAX_RESERVE: usize = 1 << 30;
    thread_local! {
        /// The most this worker has reserved so far.
        static RESERVED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    let text: usize = project.files.values().map(|t| t.len()).sum();
    let want = text.saturating_mul(HEAP_PER_TEXT_BYTE).min(MAX_RESERVE);
    if want <= RESERVED.with(|r| r.get()) {
        return 0;
    }
    let mut room: Vec<u8> = Vec::new();
    // A refusal only means the compile grows the memory as it goes.
    if room.try_reserve_exact(want).is_ok() {
        RESERVED.with(|r| r.set(want));
    }
    // Kept from being optimized away as an allocation nothing reads.
    std::hint::black_box(&mut room);
    want
}

/// Projects with more files than this are shown parsed first, then compiled.
pub const PARSE_FIRST_FILES: usize = 400;

/// Handles one request; the answer is `{"ok": result}` or `{"error": message}`.
/// A large project is parsed first and handed to `partial` (as
/// `{"ok": result}`, in pieces to be joined), so its pages show while its
/// SQL compiles.
pub fn handle(
    request: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(String),
    partial: &mut dyn FnMut(&[&str]),
) -> String {
    let answer = (|| -> Result<String, String> {
        let mut req: Request =
            serde_json::from_str(request).map_err(|e| format!("bad request: {e}"))?;
        open(&mut req, bytes)?;
        CURRENT.with(|c| {
            let current = c.borrow();
            let project = current.as_ref().expect("opened above");
            reserve_memory(project);
            let n = project.files.len();
            progress(json!({"phase": "read", "done": n, "total": n}).to_string());
            let options = req.options.take().unwrap_or_default();
            let mut last = ("", usize::MAX);
            let mut report = |p: trellis_compiler::compile::Progress| {
                let step = (p.total / 50).max(1);
                let at = (p.phase, p.done / step);
                if at != last || p.done == p.total {
                    last = at;
                    progress(
                        json!({"phase": p.phase, "done": p.done, "total": p.total}).to_string(),
                    );
                }
            };
            if n > PARSE_FIRST_FILES {
                return session::compile_staged(project, options, &mut report, &mut |parsed| {
                    partial(&["{\"ok\":", &parsed, "}"])
                });
            }
            session::compile(project, options, true, &mut report)
        })
    })();
    match answer {
        Ok(v) => format!("{{\"ok\":{v}}}"),
        Err(e) => json!({ "error": e }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn example_compiles_and_recompiles_with_other_options() {
        let mut phases = Vec::new();
        let out: Value = serde_json::from_str(&handle(
            r#"{"kind":"example"}"#,
            &[],
            &mut |p| phases.push(p),
            &mut |_| panic!("a small project is not shown parsed first"),
        ))
        .unwrap();
        let ok = &out["ok"];
        assert_eq!(ok["name"], "shop");
        assert!(ok["manifest"]["nodes"]["model.shop.orders"]["compiled_code"].is_string());
        assert!(phases.iter().any(|p| p.contains("\"compile\"")));
        let out: Value = serde_json::from_str(&handle(
            r#"{"kind":"recompile","options":{"target":{"type":"postgres","database":"wh","schema":"x"}}}"#,
            &[],
            &mut |_| {},
            &mut |_| {},
        ))
        .unwrap();
        assert_eq!(out["ok"]["profile"]["type"], "postgres");
        assert_eq!(
            out["ok"]["manifest"]["nodes"]["model.shop.orders"]["database"],
            "wh"
        );
    }

    /// The heap is grown for the largest project so far, not again for one
    /// that needs no more.
    #[test]
    fn memory_is_reserved_once_per_size() {
        let project = |bytes: usize| ProjectFiles {
            files: [("models/m.sql".to_string(), "x".repeat(bytes).into())].into(),
            catalog: None,
            not_text: Vec::new(),
        };
        assert_eq!(reserve_memory(&project(1000)), 20_000);
        assert_eq!(reserve_memory(&project(1000)), 0);
        assert_eq!(reserve_memory(&project(500)), 0);
        assert_eq!(reserve_memory(&project(2000)), 40_000);
    }

    #[test]
    fn warming_up_takes_two_steps_and_leaves_no_project_open() {
        assert!(warm_up(0));
        assert!(!warm_up(1));
        assert!(!warm_up(2));
        assert!(CURRENT.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn a_large_project_is_shown_parsed_first() {
        let mut files = serde_json::Map::new();
        files.insert("p/dbt_project.yml".into(), "name: p".into());
        for i in 0..=PARSE_FIRST_FILES {
            files.insert(
                format!("p/models/m{i}.sql"),
                format!("select {i} as x").into(),
            );
        }
        let request = json!({"kind": "files", "files": files}).to_string();
        let mut parsed = None;
        let out: Value = serde_json::from_str(&handle(&request, &[], &mut |_| {}, &mut |p| {
            parsed = Some(p.concat())
        }))
        .unwrap();
        let parsed: Value = serde_json::from_str(&parsed.expect("a parsed result first")).unwrap();
        // Parsed: the heads of the resources, no entries yet.
        let heads: Vec<trellis_compiler_wasm::heads::ResourceHead> =
            serde_json::from_value(parsed["ok"]["heads"].clone()).unwrap();
        let models = heads.iter().filter(|h| h.kind == "model").count();
        assert_eq!(models, PARSE_FIRST_FILES + 1);
        let m7 = heads.iter().find(|h| h.id == "model.p.m7").unwrap();
        assert_eq!(m7.code.as_deref(), Some("select 7 as x"));
        assert_eq!(parsed["ok"]["manifest"]["metadata"]["project_name"], "p");
        assert!(parsed["ok"]["manifest"].get("nodes").is_none());
        // Compiled: the whole manifest.
        let node = |v: &Value| v["ok"]["manifest"]["nodes"]["model.p.m7"]["compiled_code"].clone();
        assert_eq!(node(&out), "select 7 as x");
        assert!(out["ok"].get("heads").is_none());
    }

    #[test]
    fn a_hostile_archive_is_an_error_and_keeps_nothing() {
        let out: Value = serde_json::from_str(&handle(
            r#"{"kind":"archive"}"#,
            b"not an archive",
            &mut |_| {},
            &mut |_| {},
        ))
        .unwrap();
        assert!(
            out["error"].as_str().unwrap().contains("not a .zip"),
            "{out}"
        );
    }
}
