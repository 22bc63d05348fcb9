//! Helpers the crate's unit tests share.

use crate::diagnostics::Severity;
use crate::jinja::macros::MacroDef;
use crate::ProjectInput;
use std::collections::BTreeMap;

/// The input of an empty project `t`: its `dbt_project.yml` only.
pub fn project_t() -> ProjectInput {
    let mut input = ProjectInput::default();
    input.add_file(
        "dbt_project.yml",
        "name: t\nversion: '1.0'\nconfig-version: 2\nprofile: t\n",
    );
    input
}

/// Compiles a project `t` of `models` (name, SQL) and `files` (path, text),
/// after `edit` has its say on the input. Returns the compiled SQL by model
/// name, and the errors, one line each (`file:line:column: message`).
pub fn compile_models(
    models: &[(&str, &str)],
    files: &[(&str, &str)],
    edit: impl FnOnce(&mut ProjectInput),
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut input = project_t();
    for (path, text) in files {
        input.add_file(*path, text.to_string());
    }
    for (name, sql) in models {
        input.add_file(format!("models/{name}.sql"), sql.to_string());
    }
    edit(&mut input);
    let out = crate::compile(&input);
    let errors = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.one_line())
        .collect();
    let compiled = out
        .manifest
        .nodes
        .values()
        .filter_map(|n| Some((n.name.clone(), n.compiled_code.clone()?)))
        .collect();
    (compiled, errors)
}

/// The macros of one file (`macros/m.sql`) of `package`; panics on errors.
pub fn macro_defs(package: &str, text: &str) -> Vec<MacroDef> {
    let (mut defs, mut docs, mut diags) = (Vec::new(), Vec::new(), Vec::new());
    crate::parser::parse_macro_file(
        package,
        "m.sql",
        "macros/m.sql",
        text,
        &mut defs,
        &mut docs,
        &mut diags,
    );
    assert!(diags.is_empty(), "{diags:?}");
    defs
}

/// Compiles `cases` (model name, SQL, what dbt-core 1.11.16 compiled it to)
/// with `files` beside them and `edit` applied, and fails listing every
/// model whose SQL differs, and any error.
pub fn check_models(
    cases: &[(&str, &str, &str)],
    files: &[(&str, &str)],
    edit: impl FnOnce(&mut ProjectInput),
) {
    let models: Vec<(&str, &str)> = cases.iter().map(|(n, t, _)| (*n, *t)).collect();
    let (out, errors) = compile_models(&models, files, edit);
    let mut failures = Vec::new();
    for (name, _, expected) in cases {
        let got = out
            .get(*name)
            .map(String::as_str)
            .unwrap_or("<not compiled>");
        if got != *expected {
            failures.push(format!("{name}:\n  dbt:     {expected}\n  trellis: {got}"));
        }
    }
    assert!(
        failures.is_empty() && errors.is_empty(),
        "{}\nerrors: {errors:#?}",
        failures.join("\n")
    );
}
