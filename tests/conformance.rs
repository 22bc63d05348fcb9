//! Conformance with dbt-core: compile every example and compare node by node
//! with the manifest dbt-core 1.11 wrote for it (`tests/goldens/`).
//!
//! Each example's remaining differences are listed in
//! `tests/known_differences/<example>.txt`; the test fails when the
//! list changes either way, so a fix must shrink the file and a regression
//! cannot hide. Set `TRELLIS_UPDATE_KNOWN=1` to rewrite the files.

use std::path::PathBuf;
use trellis_cli::load::{load, LoadOptions};
use trellis_tests::golden::compare;
use trellis_tests::repo_root;

/// Environment the goldens were generated with (see tests/oracle/env.json).
fn oracle_env() -> Vec<(String, String)> {
    let path = repo_root().join("tests/oracle/env.json");
    let text = std::fs::read_to_string(&path).expect("tests/oracle/env.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("env.json is JSON");
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn check(example: &str) {
    let root = repo_root();
    let dir = root.join("examples").join(example);
    let mut input = load(&LoadOptions {
        project_dir: dir.clone(),
        profiles_dir: Some(dir.clone()),
        target: None,
        vars: None,
    })
    .expect("example loads");
    input.env = oracle_env().into_iter().collect();
    let out = trellis_compiler::compile(&input);
    let ours = trellis_compiler::manifest::to_json(&out, &input);
    let golden_path = root
        .join("tests/goldens")
        .join(example)
        .join("manifest.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&golden_path).expect("golden exists"))
            .expect("golden is JSON");
    let c = compare(&golden, &ours);
    println!(
        "{example}: {}/{} fields match ({:.1}%)",
        c.matched,
        c.checked,
        c.rate()
    );
    for d in &out.diagnostics {
        println!("  {}", d.one_line());
    }
    let known_path: PathBuf = root
        .join("tests/known_differences")
        .join(format!("{example}.txt"));
    let actual = c.differences.join("\n") + if c.differences.is_empty() { "" } else { "\n" };
    if std::env::var("TRELLIS_UPDATE_KNOWN").is_ok() {
        std::fs::write(&known_path, &actual).expect("write known differences");
        return;
    }
    let known = std::fs::read_to_string(&known_path).unwrap_or_default();
    if known != actual {
        for d in &c.differences {
            if !known.lines().any(|l| l == d) {
                println!(
                    "NEW DIFFERENCE {d}\n{}",
                    c.details.get(d).map(String::as_str).unwrap_or("")
                );
            }
        }
        for l in known.lines() {
            if !c.differences.iter().any(|d| d == l) {
                println!("FIXED (remove from {}): {l}", known_path.display());
            }
        }
        panic!("{example}: differences from dbt-core changed; see above");
    }
}

#[test]
fn shop_matches_dbt_core() {
    check("shop");
}

#[test]
fn kitchen_sink_matches_dbt_core() {
    check("kitchen_sink");
}
