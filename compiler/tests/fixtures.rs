//! Fixture projects with bad input: each directory under `tests/fixtures/` is a
//! small dbt project; the snapshot holds its diagnostics and the compiled SQL
//! of every node, so a broken file shows up as diagnostics while the rest of
//! the project still compiles. Adding a case is adding a directory.
//! `python_semantics` is not bad input: its compiled SQL is what dbt-core
//! 1.11 writes for the same files (Jinja2 and Python behaviour dbt code
//! relies on).

use std::path::Path;
use trellis_compiler::{compile, ProjectInput};

fn read_dir(root: &Path, dir: &Path, input: &mut ProjectInput) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            read_dir(root, &p, input);
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("inside root")
                .to_string_lossy()
                .replace('\\', "/");
            input.add_file(rel, std::fs::read_to_string(&p).expect("utf-8 fixture"));
        }
    }
}

fn render(input: &ProjectInput) -> String {
    let out = compile(input);
    let mut s = String::from("## diagnostics\n");
    for d in &out.diagnostics {
        s.push_str(&d.one_line());
        s.push('\n');
    }
    s.push_str("\n## compiled\n");
    for (id, n) in &out.manifest.nodes {
        match &n.compiled_code {
            Some(code) => s.push_str(&format!("{id}:\n{}\n", code.trim_end())),
            None => s.push_str(&format!("{id}: (not compiled)\n")),
        }
    }
    if !out.manifest.unit_tests.is_empty() {
        s.push_str("\n## unit tests\n");
        for (id, u) in &out.manifest.unit_tests {
            match &u.compiled_code {
                Some(code) => s.push_str(&format!("{id}:\n{}\n", code.trim_end())),
                None => s.push_str(&format!("{id}: (not compiled)\n")),
            }
        }
    }
    s
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/*/dbt_project.yml", |path| {
        let root = path.parent().expect("fixture directory");
        let mut input = ProjectInput::default();
        read_dir(root, root, &mut input);
        insta::assert_snapshot!(render(&input));
    });
}

/// `macros:` entries of properties files document their macros; one for a
/// macro that does not exist warns, a second one for a macro errs.
#[test]
fn macro_properties() {
    let mut input = ProjectInput::default();
    input.add_file("dbt_project.yml", "name: p\nversion: '1'\nprofile: p\n");
    input.add_file("models/m.sql", "select {{ double('1') }}\n");
    input.add_file(
        "macros/double.sql",
        "{% macro double(x) %}{{ x }} * 2{% endmacro %}",
    );
    input.add_file(
        "macros/double.yml",
        "macros:\n  - name: double\n    description: |\n      Twice.\n    arguments:\n      - name: x\n        type: string\n  - name: nothing\n",
    );
    input.add_file(
        "macros/z_again.yml",
        "macros:\n  - name: double\n    description: again\n",
    );
    let out = trellis_compiler::parse(&input);
    let manifest = trellis_compiler::manifest::to_json(&out, &input);
    let m = &manifest["macros"]["macro.p.double"];
    assert_eq!(m["description"], "Twice.\n");
    assert_eq!(m["patch_path"], "p://macros/double.yml");
    assert_eq!(
        m["arguments"],
        serde_json::json!([{"name": "x", "type": "string", "description": ""}])
    );
    let codes: Vec<&str> = out.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"macro-not-found"), "{codes:?}");
    assert!(codes.contains(&"duplicate-macro-patch"), "{codes:?}");
}
