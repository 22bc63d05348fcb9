//! Reading a project from disk into a `ProjectInput`: the CLI's own I/O.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use trellis_compiler::input::load_profile;
use trellis_compiler::ProjectInput;

use trellis_compiler::input::{PROJECT_FILE_EXTS as EXTS, SKIP_DIRS};

/// Options shared by the commands that load a project.
#[derive(Clone)]
pub struct LoadOptions {
    pub project_dir: PathBuf,
    pub profiles_dir: Option<PathBuf>,
    pub target: Option<String>,
    pub vars: Option<String>,
    /// A `catalog.json` that answers introspection.
    pub catalog: Option<PathBuf>,
}

/// Where a directory sits: the project (or a local package read from its
/// source), `dbt_packages/` itself, an installed package, or below.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Top,
    Installed,
    Package,
    Inner,
}

/// Reads the project files under `dir`. Directories are read once each (an
/// installed local package is often a symlink back up the tree), and a
/// package's own `dbt_packages/` is not read: dbt-core installs every
/// package at the top.
fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    input: &mut ProjectInput,
    level: Level,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> Result<()> {
    if !seen.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())) {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        let ft = e.file_type()?;
        let is_dir = ft.is_dir() || (ft.is_symlink() && path.is_dir());
        if is_dir {
            let top = matches!(level, Level::Top | Level::Package);
            if top && SKIP_DIRS.contains(&name.as_str()) {
                continue;
            }
            if name.starts_with('.') {
                continue;
            }
            let next = match (level, name.as_str()) {
                (Level::Top, "dbt_packages") => Level::Installed,
                (Level::Package, "dbt_packages" | "dbt_modules") => continue,
                (Level::Installed, _) => Level::Package,
                _ => Level::Inner,
            };
            walk(root, &path, prefix, input, next, seen)?;
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| EXTS.contains(&x))
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            input.add_file(format!("{prefix}{rel}"), text);
        }
    }
    Ok(())
}

/// Local packages named in `packages.yml` that are not installed yet.
fn local_packages(project_dir: &Path, input: &ProjectInput) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for file in ["packages.yml", "dependencies.yml"] {
        let Some(text) = input.files.get(file) else {
            continue;
        };
        let Ok(v) = trellis_compiler::yaml::parse(file, text) else {
            continue;
        };
        let Some(pkgs) = v.get("packages").and_then(|p| p.as_array()) else {
            continue;
        };
        for p in pkgs {
            if let Some(local) = p.get("local").and_then(|l| l.as_str()) {
                let path = project_dir.join(local);
                // Installed under its project's name, as `dbt deps` does.
                let name = std::fs::read_to_string(path.join("dbt_project.yml"))
                    .ok()
                    .and_then(|t| trellis_compiler::yaml::parse("dbt_project.yml", &t).ok())
                    .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string));
                if let Some(name) = name {
                    out.push((name, path));
                }
            }
        }
    }
    out
}

/// Reads the project, its installed and local packages, the profile and vars.
pub fn load(opts: &LoadOptions) -> Result<ProjectInput> {
    let dir = &opts.project_dir;
    if !dir.join("dbt_project.yml").exists() {
        anyhow::bail!("no dbt_project.yml in {}", dir.display());
    }
    let mut input = ProjectInput::default();
    input.env = std::env::vars().collect();
    input.threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    // `run_started_at` and `invocation_id` as dbt has them: this run's. With
    // TRELLIS_REPRODUCIBLE set they keep the core's fixed values instead.
    if std::env::var_os("TRELLIS_REPRODUCIBLE").is_none() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        let seed = u64::from(std::process::id()) << 32 ^ now as u64;
        input.invocation = trellis_compiler::input::Invocation::started_at(now, seed);
    }
    let mut seen = std::collections::HashSet::new();
    walk(dir, dir, "", &mut input, Level::Top, &mut seen)?;
    // Installed packages are read with the rest (dbt_packages/ is not skipped);
    // local packages that `dbt deps` has not installed are read from their source.
    for (name, path) in local_packages(dir, &input) {
        let prefix = format!("dbt_packages/{name}/");
        if !input
            .files
            .contains_key(&format!("{prefix}dbt_project.yml"))
            && path.join("dbt_project.yml").exists()
        {
            walk(&path, &path, &prefix, &mut input, Level::Package, &mut seen)?;
        }
    }
    if let Some(path) = &opts.catalog {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let catalog = trellis_compiler::warehouse::Catalog::from_json(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        input.warehouse = Some(std::sync::Arc::new(catalog));
    }
    if let Some(vars) = &opts.vars {
        let v = trellis_compiler::yaml::parse("--vars", vars)
            .map_err(|d| anyhow::anyhow!("--vars: {}", d.message))?;
        match v {
            serde_json::Value::Object(m) => input.cli_vars = m,
            serde_json::Value::Null => {}
            _ => anyhow::bail!("--vars must be a YAML or JSON mapping"),
        }
    }
    let project_yml = input
        .files
        .get("dbt_project.yml")
        .cloned()
        .unwrap_or_default();
    let profile_name = trellis_compiler::yaml::parse("dbt_project.yml", &project_yml)
        .ok()
        .and_then(|v| {
            v.get("profile")
                .and_then(|p| p.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "default".into());
    let profiles_path = match &opts.profiles_dir {
        Some(d) => Some(d.join("profiles.yml")),
        None => {
            let env_dir = std::env::var("DBT_PROFILES_DIR").ok().map(PathBuf::from);
            let home = std::env::var("HOME")
                .ok()
                .map(|h| PathBuf::from(h).join(".dbt"));
            [env_dir, Some(dir.clone()), home]
                .into_iter()
                .flatten()
                .map(|d| d.join("profiles.yml"))
                .find(|p| p.exists())
        }
    };
    match profiles_path {
        Some(p) if p.exists() => {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            input.target = load_profile(&text, &profile_name, opts.target.as_deref(), &input.env)
                .map_err(|d| anyhow::anyhow!("{}: {}", p.display(), d.message))?;
        }
        Some(p) => anyhow::bail!("{} does not exist", p.display()),
        None => {
            // No profile: compile with the default DuckDB target.
            input.target.profile_name = profile_name;
            if let Some(t) = &opts.target {
                input.target.name = t.clone();
            }
        }
    }
    Ok(input)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A package's integration tests: the project sits inside the package,
    /// names it with `local: ../`, and `dbt deps` links it back up the tree.
    #[test]
    fn a_local_package_linked_up_the_tree_is_read_once_under_its_name() {
        let root = std::env::temp_dir().join(format!("trellis-load-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        write(
            &root.join("dbt_project.yml"),
            "name: my_pkg\nversion: '1.0'\n",
        );
        write(&root.join("macros/m.sql"), "{% macro m() %}1{% endmacro %}");
        let project = root.join("integration_tests");
        write(
            &project.join("dbt_project.yml"),
            "name: it\nversion: '1.0'\nprofile: it\n",
        );
        write(&project.join("packages.yml"), "packages:\n  - local: ../\n");
        write(
            &project.join("models/a.sql"),
            "select {{ my_pkg.m() }} as x",
        );
        write(
            &project.join("profiles.yml"),
            "it:\n  target: dev\n  outputs:\n    dev: {type: duckdb, schema: main}\n",
        );
        for linked in [false, true] {
            let installed = project.join("dbt_packages/my_pkg");
            if linked {
                std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink("../..", &installed).unwrap();
            }
            let input = load(&LoadOptions {
                project_dir: project.clone(),
                profiles_dir: Some(project.clone()),
                target: None,
                vars: None,
                catalog: None,
            })
            .unwrap();
            let mut files: Vec<&str> = input.files.keys().map(String::as_str).collect();
            files.sort();
            assert_eq!(
                files,
                [
                    "dbt_packages/my_pkg/dbt_project.yml",
                    "dbt_packages/my_pkg/macros/m.sql",
                    "dbt_project.yml",
                    "models/a.sql",
                    "packages.yml",
                    "profiles.yml"
                ],
                "linked: {linked}"
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
