//! Helpers the crate's unit tests share.

use crate::diagnostics::Severity;
use crate::jinja::macros::MacroDef;
use crate::ProjectInput;
use std::collections::BTreeMap;

/// Compiles a project `t` of `models` (name, SQL) and `files` (path, text),
/// after `edit` has its say on the input. Returns the compiled SQL by model
/// name, and the errors, one line each (`file:line:column: message`).
pub fn compile_models(
    models: &[(&str, &str)],
    files: &[(&str, &str)],
    edit: impl FnOnce(&mut ProjectInput),
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut input = ProjectInput::default();
    input.add_file(
        "dbt_project.yml",
        "name: t\nversion: '1.0'\nconfig-version: 2\nprofile: t\n",
    );
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
