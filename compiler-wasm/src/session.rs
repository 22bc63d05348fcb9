//! What a page (or its web worker) does with a project it was handed: find
//! the project in a pile of files or an archive, keep it, and compile it with
//! the options the user picked. Everything here is plain data in and out, so
//! it runs natively in tests and unchanged inside the browser.

use crate::archive::{self, ArchiveError, Limits, RawFiles};
use crate::{project_input, Options};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use trellis_compiler::compile::Progress;
use trellis_compiler::input::is_project_file;
use trellis_compiler::Diagnostic;

/// A project's files, re-rooted at its `dbt_project.yml`.
#[derive(Debug, Clone, Default)]
pub struct ProjectFiles {
    /// Text files the compiler reads, by project-relative path; shared with
    /// each compile's input rather than copied into it.
    pub files: BTreeMap<String, std::sync::Arc<str>>,
    /// `target/catalog.json` (or `catalog.json`) when the project carries one.
    pub catalog: Option<String>,
    /// Files that were skipped because they are not UTF-8 text.
    pub not_text: Vec<String>,
}

/// Picks the project root (the shallowest `dbt_project.yml` outside
/// `dbt_packages/`) and keeps the files under it that the compiler reads.
pub fn project_files(raw: RawFiles) -> Result<ProjectFiles, ArchiveError> {
    let root = raw
        .keys()
        .filter(|p| *p == "dbt_project.yml" || p.ends_with("/dbt_project.yml"))
        .filter(|p| !p.split('/').any(|s| s == "dbt_packages"))
        .min_by_key(|p| (p.matches('/').count(), p.len()))
        .ok_or(ArchiveError::NoProject)?;
    let prefix = root[..root.len() - "dbt_project.yml".len()].to_string();
    let mut out = ProjectFiles::default();
    for (path, bytes) in raw {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        let is_catalog = rel == "target/catalog.json" || rel == "catalog.json";
        if !is_catalog && !is_project_file(rel) {
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) if is_catalog => out.catalog = Some(text),
            Ok(text) => {
                out.files.insert(rel.to_string(), text.into());
            }
            Err(_) => out.not_text.push(rel.to_string()),
        }
    }
    Ok(out)
}

/// Reads a project out of archive bytes.
pub fn from_archive(bytes: &[u8]) -> Result<ProjectFiles, ArchiveError> {
    project_files(archive::read_archive(bytes, Limits::default())?)
}

/// Reads a project out of picked files (a folder's contents), whose paths
/// may start with the folder's name.
pub fn from_files(files: BTreeMap<String, String>) -> Result<ProjectFiles, ArchiveError> {
    let mut raw = RawFiles::new();
    for (path, text) in files {
        raw.insert(archive::safe_path(&path)?, text.into_bytes());
    }
    project_files(raw)
}

/// Where the compile target came from.
fn profile_summary(source: &str, t: &trellis_compiler::input::Target) -> Value {
    json!({
        "source": source,
        "name": t.name,
        "type": t.adapter_type,
        "database": t.database,
        "schema": t.schema,
    })
}

/// Compiles (or with `compile_nodes` false, only parses) a project for the
/// app: `{name, manifest, diagnostics, catalog, profile}` as JSON text. Without a target in `options`, the project's own
/// `profiles.yml` is used when it has one, and DuckDB `dev.main` otherwise.
pub fn compile(
    project: &ProjectFiles,
    options: Options,
    compile_nodes: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<String, String> {
    let (input, diagnostics, source) = prepare(project, options)?;
    let out = trellis_compiler::compile::compile_with_progress(&input, compile_nodes, progress);
    Ok(result_of(project, &input, &out, diagnostics, source, false))
}

/// `compile`, handing `parsed` the parsed project first, from the same
/// single parse: as the heads of its resources (`heads`) and the manifest's
/// metadata, without the entries, so that the page can show it at once.
pub fn compile_staged(
    project: &ProjectFiles,
    options: Options,
    progress: &mut dyn FnMut(Progress),
    parsed: &mut dyn FnMut(String),
) -> Result<String, String> {
    let (input, diagnostics, source) = prepare(project, options)?;
    let out = trellis_compiler::compile::compile_staged(&input, progress, &mut |p| {
        parsed(result_of(
            project,
            &input,
            p,
            diagnostics.clone(),
            source,
            true,
        ))
    });
    Ok(result_of(project, &input, &out, diagnostics, source, false))
}

/// The input and output of compiling a project with default options.
#[cfg(test)]
pub(crate) fn compiled(
    project: &ProjectFiles,
    compile_nodes: bool,
) -> (
    trellis_compiler::ProjectInput,
    trellis_compiler::compile::CompileOutput,
) {
    let (input, _, _) = prepare(project, Options::default()).unwrap();
    let out = trellis_compiler::compile::compile_with_progress(&input, compile_nodes, &mut |_| {});
    (input, out)
}

/// The compiler's input for a project, the diagnostics of reading its
/// profile, and where its target came from.
fn prepare(
    project: &ProjectFiles,
    options: Options,
) -> Result<
    (
        trellis_compiler::ProjectInput,
        Vec<Diagnostic>,
        &'static str,
    ),
    String,
> {
    let custom = options.target.is_some();
    let mut input = project_input(project.files.clone(), options)?;
    // A catalog answers introspection (unit test fixtures need column types).
    if let Some(c) = project
        .catalog
        .as_deref()
        .and_then(|t| trellis_compiler::warehouse::Catalog::from_json(t).ok())
    {
        input.warehouse = Some(std::sync::Arc::new(c));
    }
    let mut diagnostics = Vec::new();
    let source = if custom {
        "custom"
    } else if let Some(text) = project.files.get("profiles.yml") {
        match trellis_compiler::input::load_profile(
            text,
            &input.target.profile_name.clone(),
            None,
            &input.env,
        ) {
            Ok(t) => {
                input.target = t;
                "profiles.yml"
            }
            Err(d) => {
                diagnostics.push(d);
                "default"
            }
        }
    } else {
        "default"
    };
    Ok((input, diagnostics, source))
}

fn result_of(
    project: &ProjectFiles,
    input: &trellis_compiler::ProjectInput,
    out: &trellis_compiler::compile::CompileOutput,
    mut diagnostics: Vec<Diagnostic>,
    source: &str,
    heads_only: bool,
) -> String {
    diagnostics.extend(out.diagnostics.iter().cloned());
    let catalog = project.catalog.as_deref();
    app_json(input, out, diagnostics, source, catalog, heads_only)
}

/// What the app shows of a compiled project.
#[derive(serde::Serialize)]
struct AppResult<'a> {
    name: &'a str,
    manifest: AppManifest<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    heads: Option<crate::heads::Heads<'a>>,
    diagnostics: Vec<trellis_compiler::Diagnostic>,
    catalog: Value,
    profile: Value,
}

/// The whole manifest (app variant), or only its metadata when the heads
/// stand in for the entries.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum AppManifest<'a> {
    Whole(trellis_compiler::manifest::ManifestJson<'a>),
    Metadata { metadata: Value },
}

/// What the app shows of a compiled project, as JSON text: `{name,
/// manifest, diagnostics, catalog, profile}`. The manifest is written as it
/// is serialized, in its app variant (see `ManifestJson::for_app`). The worker sends
/// it to the page, and `trellis docs build` writes it into a docs site.
pub fn app_result(
    input: &trellis_compiler::ProjectInput,
    out: &trellis_compiler::compile::CompileOutput,
    diagnostics: Vec<trellis_compiler::Diagnostic>,
    profile_source: &str,
    catalog: Option<&str>,
) -> String {
    app_json(input, out, diagnostics, profile_source, catalog, false)
}

/// `app_result`, or with `heads_only` the parsed project as heads (see
/// `compile_staged`): `{name, manifest: {metadata}, heads, diagnostics,
/// catalog, profile}`.
fn app_json(
    input: &trellis_compiler::ProjectInput,
    out: &trellis_compiler::compile::CompileOutput,
    diagnostics: Vec<trellis_compiler::Diagnostic>,
    profile_source: &str,
    catalog: Option<&str>,
    heads_only: bool,
) -> String {
    let whole = trellis_compiler::manifest::ManifestJson {
        out,
        input,
        for_app: true,
    };
    let (manifest, heads) = if heads_only {
        let metadata = serde_json::to_value(whole.section("metadata")).unwrap_or_default();
        (
            AppManifest::Metadata { metadata },
            Some(crate::heads::Heads { out, input }),
        )
    } else {
        (AppManifest::Whole(whole), None)
    };
    let result = AppResult {
        name: &out.manifest.project_name,
        manifest,
        heads,
        diagnostics,
        catalog: catalog
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .unwrap_or(Value::Null),
        profile: profile_summary(profile_source, &input.target),
    };
    // Sized up front from what resources usually take, so that tens of
    // megabytes are not copied again each time the buffer doubles.
    let per_resource = if heads_only { 1024 } else { 3584 };
    let resources = out.manifest.nodes.len() + out.manifest.sources.len();
    let mut text =
        trellis_compiler::manifest::JsonBuf::with_capacity(resources * per_resource + 4096);
    match serde_json::to_writer(&mut text, &result) {
        // serde_json writes UTF-8.
        Ok(()) => String::from_utf8(text.0).unwrap_or_default(),
        Err(e) => json!({ "error": e.to_string() }).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reroots_at_the_shallowest_project() {
        let mut raw = RawFiles::new();
        raw.insert("repo/shop/dbt_project.yml".into(), b"name: shop".to_vec());
        raw.insert("repo/shop/models/a.sql".into(), b"select 1".to_vec());
        raw.insert("repo/shop/target/catalog.json".into(), b"{}".to_vec());
        raw.insert("repo/shop/target/run/a.sql".into(), b"x".to_vec());
        raw.insert(
            "repo/shop/dbt_packages/u/dbt_project.yml".into(),
            b"name: u".to_vec(),
        );
        raw.insert("repo/shop/seeds/bin.csv".into(), vec![0xff, 0xfe]);
        raw.insert("repo/README.md".into(), b"outside".to_vec());
        let p = project_files(raw).unwrap();
        let paths: Vec<_> = p.files.keys().cloned().collect();
        assert_eq!(
            paths,
            [
                "dbt_packages/u/dbt_project.yml",
                "dbt_project.yml",
                "models/a.sql"
            ]
        );
        assert_eq!(p.catalog.as_deref(), Some("{}"));
        assert_eq!(p.not_text, ["seeds/bin.csv"]);
    }

    #[test]
    fn a_pile_without_a_project_is_an_error() {
        let mut raw = RawFiles::new();
        raw.insert("models/a.sql".into(), b"select 1".to_vec());
        assert_eq!(project_files(raw).unwrap_err(), ArchiveError::NoProject);
    }

    #[test]
    fn compiles_with_the_projects_own_profile() {
        let mut files = BTreeMap::new();
        files.insert(
            "shop/dbt_project.yml".to_string(),
            "name: shop\nprofile: shop\n".to_string(),
        );
        files.insert(
            "shop/profiles.yml".to_string(),
            "shop:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n      dbname: wh\n      schema: analytics\n      host: h\n      user: u\n      port: 5432\n".to_string(),
        );
        files.insert("shop/models/a.sql".to_string(), "select 1 as x".to_string());
        let p = from_files(files).unwrap();
        let out: Value =
            serde_json::from_str(&compile(&p, Options::default(), true, &mut |_| {}).unwrap())
                .unwrap();
        assert_eq!(out["name"], "shop");
        assert_eq!(out["profile"]["source"], "profiles.yml");
        assert_eq!(
            out["manifest"]["nodes"]["model.shop.a"]["relation_name"],
            "\"wh\".\"analytics\".\"a\""
        );
    }
}
