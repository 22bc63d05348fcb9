//! `dbt_project.yml` and installed packages: names, paths, vars and configs.

use crate::diagnostics::Diagnostic;
use crate::input::ProjectInput;
use crate::yaml;
use serde_json::{Map, Value};

/// One dbt project: the root or an installed package.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub name: String,
    /// Prefix of this project's files in the input (`""` or `dbt_packages/x/`).
    pub prefix: String,
    pub is_root: bool,
    pub model_paths: Vec<String>,
    pub seed_paths: Vec<String>,
    pub snapshot_paths: Vec<String>,
    pub test_paths: Vec<String>,
    pub analysis_paths: Vec<String>,
    pub macro_paths: Vec<String>,
    pub docs_paths: Vec<String>,
    pub vars: Map<String, Value>,
    /// `models:`, `seeds:`, ... config trees keyed by resource kind.
    pub configs: Map<String, Value>,
    /// The same trees as written, before Jinja (dbt's `unrendered_config`).
    pub unrendered_configs: Map<String, Value>,
    /// `dispatch:` namespace -> search order.
    pub dispatch: Vec<(String, Vec<String>)>,
    pub quoting: Map<String, Value>,
    pub on_run_start: Vec<String>,
    pub on_run_end: Vec<String>,
    pub profile: Option<String>,
    pub packages_install_path: String,
    /// Raw `dbt_project.yml` as parsed.
    pub raw: Value,
}

fn str_list(v: Option<&Value>, default: &[&str]) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.trim_end_matches('/').to_string()))
            .collect(),
        Some(Value::String(s)) => vec![s.trim_end_matches('/').to_string()],
        _ => default.iter().map(|s| s.to_string()).collect(),
    }
}

fn hooks(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

impl Project {
    /// Reads `<prefix>dbt_project.yml`.
    pub fn load(input: &ProjectInput, prefix: &str, is_root: bool) -> Result<Project, Diagnostic> {
        let path = format!("{prefix}dbt_project.yml");
        let text = input.files.get(&path).ok_or_else(|| {
            Diagnostic::error(
                "no-project",
                format!("no dbt_project.yml found at '{path}'"),
            )
            .in_file(path.clone())
        })?;
        let raw = yaml::parse_file(&path, text)?;
        let unrendered = raw.clone();
        let raw = crate::render::render_project_yaml(raw, input);
        let obj = raw.as_object().cloned().unwrap_or_default();
        let name = obj
            .get("name")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                Diagnostic::error("project-name", "dbt_project.yml has no 'name'")
                    .in_file(path.clone())
                    .at(1, 1)
            })?
            .to_string();
        let model_paths = str_list(
            obj.get("model-paths").or(obj.get("source-paths")),
            &["models"],
        );
        let seed_paths = str_list(obj.get("seed-paths").or(obj.get("data-paths")), &["seeds"]);
        let snapshot_paths = str_list(obj.get("snapshot-paths"), &["snapshots"]);
        let test_paths = str_list(obj.get("test-paths"), &["tests"]);
        let analysis_paths = str_list(obj.get("analysis-paths"), &["analyses"]);
        let macro_paths = str_list(obj.get("macro-paths"), &["macros"]);
        let mut all: Vec<String> = Vec::new();
        for p in [
            &model_paths,
            &seed_paths,
            &test_paths,
            &analysis_paths,
            &macro_paths,
            &snapshot_paths,
        ] {
            all.extend(p.iter().cloned());
        }
        let docs_paths = match obj.get("docs-paths") {
            Some(v) => str_list(Some(v), &[]),
            None => all,
        };
        let mut configs = Map::new();
        let mut unrendered_configs = Map::new();
        for key in [
            "models",
            "seeds",
            "snapshots",
            "data_tests",
            "tests",
            "sources",
            "unit_tests",
            "exposures",
            "analyses",
            "metrics",
            "semantic-models",
            "saved-queries",
        ] {
            if let Some(v) = obj.get(key) {
                configs.insert(key.to_string(), v.clone());
            }
            if let Some(v) = unrendered.get(key) {
                unrendered_configs.insert(key.to_string(), v.clone());
            }
        }
        let dispatch = match obj.get("dispatch") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|d| {
                    let ns = d.get("macro_namespace")?.as_str()?.to_string();
                    Some((ns, str_list(d.get("search_order"), &[])))
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(Project {
            name,
            prefix: prefix.to_string(),
            is_root,
            model_paths,
            seed_paths,
            snapshot_paths,
            test_paths,
            analysis_paths,
            macro_paths,
            docs_paths,
            vars: obj
                .get("vars")
                .and_then(|v| v.as_object())
                .cloned()
                .unwrap_or_default(),
            configs,
            unrendered_configs,
            dispatch,
            quoting: obj
                .get("quoting")
                .and_then(|v| v.as_object())
                .cloned()
                .unwrap_or_default(),
            on_run_start: hooks(obj.get("on-run-start")),
            on_run_end: hooks(obj.get("on-run-end")),
            profile: obj
                .get("profile")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            packages_install_path: obj
                .get("packages-install-path")
                .and_then(|v| v.as_str())
                .unwrap_or("dbt_packages")
                .trim_end_matches('/')
                .to_string(),
            raw,
        })
    }

    /// Path relative to this project's root, if `file` belongs under `dirs`.
    pub fn relative_in<'a>(&self, file: &'a str, dirs: &[String]) -> Option<(&'a str, &'a str)> {
        let rel = file.strip_prefix(&self.prefix)?;
        for d in dirs {
            if d.is_empty() || d == "." {
                return Some(("", rel));
            }
            if let Some(rest) = rel
                .strip_prefix(d.as_str())
                .and_then(|r| r.strip_prefix('/'))
            {
                let dir_len = rel.len() - rest.len() - 1;
                return Some((&rel[..dir_len], rest));
            }
        }
        None
    }
}

/// Finds installed packages: `<install path>/<dir>/dbt_project.yml`.
pub fn package_prefixes(input: &ProjectInput, install_path: &str) -> Vec<String> {
    let base = format!("{install_path}/");
    let mut out = Vec::new();
    for path in input.files.keys() {
        if let Some(rest) = path.strip_prefix(&base) {
            if let Some((dir, file)) = rest.split_once('/') {
                if file == "dbt_project.yml" {
                    out.push(format!("{base}{dir}/"));
                }
            }
        }
    }
    out
}
