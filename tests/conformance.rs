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

/// Runs every `dbt ls` case recorded for the example and compares the lines.
fn compare_ls(
    input: &trellis_compiler::ProjectInput,
    golden: &std::path::Path,
    c: &mut trellis_tests::golden::Comparison,
) {
    let text = std::fs::read_to_string(golden).expect("ls.json golden exists");
    let cases: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("ls.json is a JSON object");
    let parsed = trellis_compiler::parse(input);
    for (case, expected) in cases {
        c.checked += 1;
        let args: Vec<String> = case.split_whitespace().map(str::to_string).collect();
        let expected: Vec<String> = expected
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let got = trellis_cli::ls::options_from_args(&args)
            .and_then(|o| trellis_cli::ls::list(input, &parsed, &o, None));
        match got {
            Ok(l) if l.lines == expected => c.matched += 1,
            Ok(l) => {
                let key = format!("ls [{case}]");
                let missing: Vec<&String> =
                    expected.iter().filter(|e| !l.lines.contains(e)).collect();
                let extra: Vec<&String> =
                    l.lines.iter().filter(|x| !expected.contains(x)).collect();
                c.details.insert(
                    key.clone(),
                    format!("missing: {missing:?}\nunexpected: {extra:?}"),
                );
                c.differences.push(key);
            }
            Err(e) => {
                let key = format!("ls [{case}] error");
                c.details.insert(key.clone(), e.to_string());
                c.differences.push(key);
            }
        }
    }
    c.differences.sort();
}

/// Compares the SQL of each unit test with what `dbt test` ran, compiling
/// with the catalog of the warehouse dbt ran against as introspection.
fn compare_unit_tests(
    input: &trellis_compiler::ProjectInput,
    golden_dir: &std::path::Path,
    c: &mut trellis_tests::golden::Comparison,
) {
    let Ok(expected) = std::fs::read_to_string(golden_dir.join("unit_tests.json")) else {
        return;
    };
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&expected).expect("unit_tests.json is a JSON object");
    let catalog = std::fs::read_to_string(golden_dir.join("catalog.json"))
        .expect("catalog.json golden next to unit_tests.json");
    let mut input = input.clone();
    input.warehouse = Some(std::sync::Arc::new(
        trellis_compiler::warehouse::Catalog::from_json(&catalog).expect("catalog golden reads"),
    ));
    let out = trellis_compiler::compile(&input);
    for (id, sql) in expected {
        c.checked += 1;
        let ours = out
            .manifest
            .unit_tests
            .get(&id)
            .and_then(|u| u.compiled_code.as_deref());
        let key = format!("{id} unit test compiled_code");
        match (ours, sql.as_str()) {
            (Some(a), Some(b)) if a.trim_end() == b.trim_end() => c.matched += 1,
            (a, b) => {
                c.details
                    .insert(key.clone(), format!("ours:\n{a:?}\n\ndbt-core:\n{b:?}"));
                c.differences.push(key);
            }
        }
    }
    c.differences.sort();
}

/// Compares `target/compiled/` as we would write it with dbt's.
fn compare_compiled_files(
    out: &trellis_compiler::CompileOutput,
    golden_dir: &std::path::Path,
    c: &mut trellis_tests::golden::Comparison,
) {
    let ours: std::collections::BTreeMap<String, String> =
        trellis_cli::artifacts::compiled_files(out)
            .into_iter()
            .map(|(p, code)| (p.to_string_lossy().replace('\\', "/"), code.to_string()))
            .collect();
    let mut golden = std::collections::BTreeMap::new();
    collect_files(golden_dir, golden_dir, &mut golden);
    let norm = |s: &str| {
        s.trim_end()
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (path, text) in &golden {
        c.checked += 1;
        match ours.get(path) {
            Some(o) if norm(o) == norm(text) => c.matched += 1,
            Some(_) => c.differences.push(format!("compiled/{path} content")),
            None => c.differences.push(format!("compiled/{path} missing")),
        }
    }
    for path in ours.keys() {
        if !golden.contains_key(path) {
            c.differences.push(format!("compiled/{path} unexpected"));
        }
    }
    c.differences.sort();
}

fn collect_files(
    root: &std::path::Path,
    dir: &std::path::Path,
    out: &mut std::collections::BTreeMap<String, String>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_files(root, &p, out);
        } else if let Ok(text) = std::fs::read_to_string(&p) {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, text);
        }
    }
}

/// An example as the CLI loads it, with the environment dbt-core ran in.
fn example_input(example: &str) -> trellis_compiler::ProjectInput {
    let dir = repo_root().join("examples").join(example);
    let mut input = load(&LoadOptions {
        project_dir: dir.clone(),
        profiles_dir: Some(dir),
        target: None,
        vars: None,
        catalog: None,
    })
    .expect("example loads");
    input.env = oracle_env().into_iter().collect();
    input
}

fn check(example: &str) {
    let root = repo_root();
    let input = example_input(example);
    let out = trellis_compiler::compile(&input);
    let ours = trellis_compiler::manifest::to_json(&out, &input);
    let golden_path = root
        .join("tests/goldens")
        .join(example)
        .join("manifest.json");
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&golden_path).expect("golden exists"))
            .expect("golden is JSON");
    let mut c = compare(&golden, &ours);
    compare_compiled_files(
        &out,
        &root.join("tests/goldens").join(example).join("compiled"),
        &mut c,
    );
    compare_ls(
        &input,
        &root.join("tests/goldens").join(example).join("ls.json"),
        &mut c,
    );
    compare_unit_tests(&input, &root.join("tests/goldens").join(example), &mut c);
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

/// Renders spread over threads give the same manifest, files and diagnostics
/// as renders on one thread.
#[test]
fn threads_do_not_change_output() {
    for example in ["shop", "kitchen_sink"] {
        let input = example_input(example);
        let run = |threads: usize| {
            let mut input = input.clone();
            input.threads = threads;
            let out = trellis_compiler::compile(&input);
            let diagnostics: Vec<String> =
                out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            (
                trellis_compiler::manifest::to_json(&out, &input),
                diagnostics,
            )
        };
        let (one, one_diags) = run(1);
        assert!(one["nodes"].as_object().is_some_and(|n| n.len() > 5));
        for threads in [2, 5] {
            let (many, many_diags) = run(threads);
            assert!(
                many == one,
                "{example}: manifest differs with {threads} threads"
            );
            assert_eq!(many_diags, one_diags, "{example}: {threads} threads");
        }
    }
}

/// A staged compile hands out what a parse gives, then ends as a compile
/// does: parsing once for both changes neither.
#[test]
fn staged_compile_is_a_parse_then_a_compile() {
    for example in ["shop", "kitchen_sink"] {
        let input = example_input(example);
        let view = |out: &trellis_compiler::compile::CompileOutput| {
            let diagnostics: Vec<String> =
                out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            (
                trellis_compiler::manifest::to_json(out, &input),
                diagnostics,
            )
        };
        let mut parsed = None;
        let out = trellis_compiler::compile::compile_staged(&input, &mut |_| {}, &mut |p| {
            parsed = Some(view(p))
        });
        let parsed = parsed.expect("the parsed project is handed out");
        let (manifest, diagnostics) = view(&trellis_compiler::parse(&input));
        assert!(parsed.0 == manifest, "{example}: parsed manifest differs");
        assert_eq!(parsed.1, diagnostics, "{example}: parse diagnostics");
        let (manifest, diagnostics) = view(&trellis_compiler::compile(&input));
        let staged = view(&out);
        assert!(staged.0 == manifest, "{example}: compiled manifest differs");
        assert_eq!(staged.1, diagnostics, "{example}: compile diagnostics");
        assert!(manifest["nodes"].as_object().is_some_and(|n| n.len() > 5));
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

/// With dbt-core's own manifest of an unchanged project as the base,
/// `state:modified` selects nothing: checksums, configs as written
/// (`unrendered_config`), relation names and contracts all compare equal.
#[test]
fn nothing_is_modified_against_dbt_cores_manifest() {
    for example in ["shop", "kitchen_sink"] {
        let input = example_input(example);
        let parsed = trellis_compiler::parse(&input);
        let base = std::fs::read_to_string(
            repo_root().join(format!("tests/goldens/{example}/manifest.json")),
        )
        .expect("golden manifest");
        let args: Vec<String> = ["--select", "state:modified", "--output", "name"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = trellis_cli::ls::options_from_args(&args).expect("options");
        let listing =
            trellis_cli::ls::list(&input, &parsed, &options, Some(&base)).expect("ls runs");
        assert_eq!(listing.lines, Vec::<String>::new(), "{example}");
    }
}
