//! Native and wasm agreement: the same projects compiled natively (`cargo test`)
//! and in headless Chromium (`cargo xtask wasm-test`) must produce the same
//! manifest, node for node.
//!
//! Both sides digest the result (one FNV-1a hash per manifest entry, per
//! other manifest section and for the diagnostics, each taken of the value as
//! JavaScript holds it: `0.0` is `0`, keys unordered) and compare it with the
//! committed `tests/digests/<project>.txt`, so each is checked against the
//! same value and a difference names the entries that differ. When the
//! compiler's output changes on purpose, rewrite the files natively with
//! `TRELLIS_UPDATE_DIGESTS=1 cargo test -p trellis-compiler-wasm --test agreement`
//! and run the wasm tests again.
//!
//! The projects (`examples/shop`, `examples/kitchen_sink` with
//! `examples/packages/trellis_utils` at `dbt_packages/trellis_utils/`, and
//! `tests/fixtures/deep_macros`) are embedded at build time by `build.rs`.

use serde_json::{json, Value};
use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// Each `#[test]` runs natively, and in the browser under wasm-bindgen-test.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// The options every project is compiled with (the env the goldens use).
fn options() -> Value {
    json!({
        "target": {"type": "duckdb", "database": "dev", "schema": "main", "name": "dev"},
        "vars": {},
        "env": {"TRELLIS_REGION": "amer"},
    })
}

fn files(project: &str) -> &'static [(&'static str, &'static str)] {
    PROJECTS
        .iter()
        .find(|(n, _)| *n == project)
        .map(|(_, f)| *f)
        .expect("embedded project")
}

/// Compiles natively through the function the exports wrap.
#[cfg(not(target_arch = "wasm32"))]
fn compile_text(files: &str, options: &str) -> Result<Value, String> {
    let out = trellis_compiler_wasm::compile_json(files, options)?;
    Ok(serde_json::from_str(&out).expect("result is JSON"))
}

/// Compiles in wasm through the exported `compile`, with JS objects in and out.
#[cfg(target_arch = "wasm32")]
fn compile_text(files: &str, options: &str) -> Result<Value, String> {
    use wasm_bindgen::JsValue;
    let files = js_sys::JSON::parse(files).unwrap();
    let options = js_sys::JSON::parse(options).unwrap();
    let out = trellis_compiler_wasm::compile(files, options)
        .map_err(|e| format!("{:?}", JsValue::from(e)))?;
    assert!(out.is_object(), "compile returns a plain object");
    let text = js_sys::JSON::stringify(&out).unwrap().as_string().unwrap();
    Ok(serde_json::from_str(&text).expect("result is JSON"))
}

fn compile(project: &str, options: &Value) -> Value {
    let files: BTreeMap<&str, &str> = files(project).iter().copied().collect();
    let files = serde_json::to_string(&files).unwrap();
    compile_text(&files, &options.to_string()).expect("valid arguments")
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The value as JavaScript holds it: an integral float is an integer
/// (`0.0` is `0`) and object keys have no order (integer-like keys would come
/// first), so keys are sorted.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                json!(f as i64)
            }
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        Value::Object(m) => {
            let sorted: BTreeMap<&String, Value> =
                m.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        _ => v.clone(),
    }
}

fn hash(v: &Value) -> String {
    format!("{:016x}", fnv1a(canonical(v).to_string().as_bytes()))
}

/// The entry a digest line stands for, to show when it differs.
fn entry<'a>(result: &'a Value, line: &str) -> Option<&'a Value> {
    let (section, key) = line.split_once(' ')?;
    match section {
        "diagnostics" => Some(&result["diagnostics"]),
        _ if key == "-" => result["manifest"].get(section),
        _ => result["manifest"].get(section)?.get(key),
    }
}

/// `section key hash` lines, sorted: one per entry of the manifest's maps of
/// objects (`nodes`, `sources`, `macros`, `docs`, ...), one per other section
/// (`metadata`, `parent_map`, ... as `-`), and one for the diagnostics.
fn digest(result: &Value) -> BTreeMap<String, String> {
    let mut lines = BTreeMap::new();
    let manifest = result["manifest"]
        .as_object()
        .expect("manifest is an object");
    for (section, value) in manifest {
        match value.as_object() {
            Some(entries)
                if section != "metadata"
                    && !entries.is_empty()
                    && entries.values().all(Value::is_object) =>
            {
                for (key, entry) in entries {
                    lines.insert(format!("{section} {key}"), hash(entry));
                }
            }
            _ => {
                lines.insert(format!("{section} -"), hash(value));
            }
        }
    }
    let diagnostics = &result["diagnostics"];
    lines.insert(
        format!("diagnostics {}", diagnostics.as_array().map_or(0, Vec::len)),
        hash(diagnostics),
    );
    lines
}

fn render(project: &str, lines: &BTreeMap<String, String>) -> String {
    let mut s = format!(
        "# {project}: digest of the manifest and diagnostics (compiler-wasm/tests/agreement.rs).\n\
         # Rewrite: TRELLIS_UPDATE_DIGESTS=1 cargo test -p trellis-compiler-wasm --test agreement\n"
    );
    for (k, v) in lines {
        s.push_str(&format!("{k} {v}\n"));
    }
    s
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.rsplit_once(' ')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// What differs between the committed digest and this one, or `None`.
fn differences(
    expected: &BTreeMap<String, String>,
    actual: &BTreeMap<String, String>,
) -> Option<String> {
    let mut out = Vec::new();
    for (k, v) in actual {
        match expected.get(k) {
            None => out.push(format!("  new:     {k}")),
            Some(e) if e != v => out.push(format!("  changed: {k}")),
            _ => {}
        }
    }
    for k in expected.keys().filter(|k| !actual.contains_key(*k)) {
        out.push(format!("  missing: {k}"));
    }
    if out.is_empty() {
        return None;
    }
    let n = out.len();
    out.truncate(40);
    Some(format!("{n} entries differ:\n{}", out.join("\n")))
}

fn check(project: &str) -> Value {
    let result = compile(project, &options());
    let actual = digest(&result);
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("TRELLIS_UPDATE_DIGESTS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/digests")
            .join(format!("{project}.txt"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, render(project, &actual)).unwrap();
        return result;
    }
    let committed = DIGESTS
        .iter()
        .find(|(n, _)| *n == project)
        .map(|(_, d)| *d)
        .unwrap_or("");
    assert!(!committed.is_empty(), "{project}: no committed digest; write it with TRELLIS_UPDATE_DIGESTS=1 (see the top of this file)");
    let expected = parse(committed);
    if let Some(diff) = differences(&expected, &actual) {
        let first = actual
            .iter()
            .find(|(k, v)| expected.get(*k) != Some(*v))
            .map(|(k, _)| k.as_str())
            .unwrap_or("");
        let mut shown = entry(&result, first)
            .map(|v| canonical(v).to_string())
            .unwrap_or_default();
        if shown.len() > 3000 {
            let mut end = 3000;
            while !shown.is_char_boundary(end) {
                end -= 1;
            }
            shown.truncate(end);
            shown.push_str("...");
        }
        panic!(
            "{project} on {}: manifest differs from tests/digests/{project}.txt: {diff}\n\
             first differing entry here ({first}): {shown}\n\
             If the change is intended, rewrite the digests natively (see the top of this file).",
            std::env::consts::ARCH
        );
    }
    result
}

fn diagnostic_for<'a>(result: &'a Value, node: &str) -> Option<&'a Value> {
    result["diagnostics"]
        .as_array()?
        .iter()
        .find(|d| d["node"] == node)
}

#[test]
fn shop_agrees() {
    let r = check("shop");
    assert!(r["manifest"]["nodes"]
        .as_object()
        .is_some_and(|n| n.len() > 10));
}

#[test]
fn kitchen_sink_agrees() {
    let r = check("kitchen_sink");
    assert!(
        r["manifest"]["nodes"]
            .as_object()
            .is_some_and(|n| n.keys().any(|k| k.starts_with("model.trellis_utils."))),
        "the package mounted at dbt_packages/trellis_utils/ is compiled"
    );
}

/// Macro recursion past the limits ends in a diagnostic on every path, in
/// wasm's stack too; recursion up to the limit compiles.
#[test]
fn deep_macro_recursion_is_a_diagnostic() {
    let r = check("deep_macros");
    let error = |model: &str| {
        let id = format!("model.deep_macros.{model}");
        let d = diagnostic_for(&r, &id)
            .unwrap_or_else(|| panic!("{id}: no diagnostic in {}", r["diagnostics"]));
        assert_eq!(d["severity"], "error", "{d}");
        d["message"].as_str().unwrap().to_string()
    };
    // Through the context: the core's limit of 64 nested macro calls.
    for model in ["deep_over", "ping_pong", "serve_volley"] {
        let m = error(model);
        assert!(m.contains("nested deeper than 64"), "{model}: {m}");
    }
    // A macro calling itself: the core's limit or minijinja's, whichever comes first.
    for model in ["runaway", "runaway_nested", "runaway_return"] {
        let m = error(model);
        assert!(
            m.contains("nested deeper than 64") || m.contains("recursion limit exceeded"),
            "{model}: {m}"
        );
    }
    let nodes = &r["manifest"]["nodes"];
    for model in ["deep_ok", "self_ok", "downstream"] {
        assert!(
            diagnostic_for(&r, &format!("model.deep_macros.{model}")).is_none(),
            "{model}: {}",
            r["diagnostics"]
        );
    }
    assert_eq!(
        nodes["model.deep_macros.deep_ok"]["compiled_code"],
        "select 'bottom' as depth_64"
    );
    assert_eq!(
        nodes["model.deep_macros.self_ok"]["compiled_code"],
        "select 'bottom' as depth_31"
    );
    let downstream = nodes["model.deep_macros.downstream"]["compiled_code"]
        .as_str()
        .unwrap_or_default();
    assert!(
        downstream.contains(r#""dev"."main"."deep_ok""#),
        "{downstream}"
    );
}

/// The digest sees a change in any one node.
#[test]
fn digest_detects_a_changed_node() {
    let mut r = json!({"manifest": {"nodes": {"model.a.x": {"compiled_code": "select 1", "created_at": 0.0}, "model.a.y": {"compiled_code": "select 2"}}}, "diagnostics": []});
    let before = digest(&r);
    assert_eq!(differences(&before, &digest(&r)), None);
    assert_eq!(parse(&render("t", &before)), before);
    // As JavaScript sees it: 0.0 is 0, and key order does not count.
    let js = json!({"manifest": {"nodes": {"model.a.x": {"created_at": 0, "compiled_code": "select 1"}, "model.a.y": {"compiled_code": "select 2"}}}, "diagnostics": []});
    assert_eq!(digest(&js), before);
    assert_eq!(
        hash(&json!({"a": 0.0, "b": [1.5]})),
        hash(&json!({"b": [1.5], "a": 0}))
    );
    assert_ne!(hash(&json!({"a": 0.5})), hash(&json!({"a": 0})));
    r["manifest"]["nodes"]["model.a.y"]["compiled_code"] = json!("select 3");
    let diff = differences(&before, &digest(&r)).expect("a difference");
    assert!(
        diff.contains("changed: nodes model.a.y") && !diff.contains("model.a.x"),
        "{diff}"
    );
}

#[test]
fn bad_arguments_are_errors() {
    for (files, options) in [
        ("[]", "{}"),
        (r#""x""#, "{}"),
        ("{}", r#"{"targte": {}}"#),
        ("{}", r#"{"vars": "[1]"}"#),
    ] {
        assert!(compile_text(files, options).is_err(), "{files} {options}");
    }
    // No options, and an empty project: a diagnostic, not an error.
    let r = compile_text("{}", "null").unwrap();
    assert!(!r["diagnostics"].as_array().unwrap().is_empty(), "{r}");
    #[cfg(target_arch = "wasm32")]
    assert_eq!(trellis_compiler_wasm::version(), env!("CARGO_PKG_VERSION"));
}
