//! Fixture projects with bad input: each directory under `tests/fixtures/` is a
//! small dbt project; the snapshot holds its diagnostics and the compiled SQL
//! of every node, so a broken file shows up as diagnostics while the rest of
//! the project still compiles. Adding a case is adding a directory.

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
