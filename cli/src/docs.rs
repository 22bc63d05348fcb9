//! `trellis docs build`: the browser app plus one compiled project, as a
//! folder any static file host can serve.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Name of the script that carries the compiled project.
pub const BUNDLE_FILE: &str = "trellis-bundle.js";

/// Where the built app is looked for when `--app-dir` is not given:
/// `$TRELLIS_APP_DIR`, then the workspace's `dist/` (what `cargo xtask app` builds).
pub fn default_app_dir() -> PathBuf {
    match std::env::var_os("TRELLIS_APP_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"),
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let e = e?;
        let dest = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &dest)?;
        } else {
            std::fs::copy(e.path(), &dest)
                .with_context(|| format!("copying {}", e.path().display()))?;
        }
    }
    Ok(())
}

/// The bundle script: the app result as one JSON string literal, which the
/// page reads before it starts (a `<script>` works from `file://` too, where
/// `fetch` does not).
pub fn bundle_script(result: &str) -> String {
    format!(
        "globalThis.TRELLIS_BUNDLE = {};\n",
        serde_json::to_string(result).expect("a string serializes")
    )
}

/// Inserts the bundle script into the app's `index.html`, before any other script.
pub fn with_bundle_tag(index_html: &str) -> Result<String> {
    let tag = format!("<script src=\"{BUNDLE_FILE}\"></script>");
    let Some(at) = index_html.find("<head>") else {
        bail!("the app's index.html has no <head>");
    };
    let at = at + "<head>".len();
    Ok(format!(
        "{}\n    {tag}{}",
        &index_html[..at],
        &index_html[at..]
    ))
}

/// Writes the site: the app's files, the bundle, and an index.html that loads it.
pub fn build_site(result: &str, app_dir: &Path, output: &Path) -> Result<()> {
    let index = app_dir.join("index.html");
    if !index.exists() {
        bail!(
            "the browser app is not built in {} (run `cargo xtask app`, or pass --app-dir)",
            app_dir.display()
        );
    }
    copy_dir(app_dir, output)?;
    let html = std::fs::read_to_string(&index)?;
    std::fs::write(output.join("index.html"), with_bundle_tag(&html)?)?;
    std::fs::write(output.join(BUNDLE_FILE), bundle_script(result))?;
    Ok(())
}

/// `target/catalog.json` of the project, when it has one.
pub fn catalog_path(project_dir: &Path) -> Option<std::path::PathBuf> {
    let path = project_dir.join("target/catalog.json");
    path.is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_a_string_literal_and_loads_first() {
        let v = serde_json::json!({"name": "shop", "x": "</script>\u{2028}"});
        let js = bundle_script(&v.to_string());
        let literal = js
            .trim()
            .strip_prefix("globalThis.TRELLIS_BUNDLE = ")
            .unwrap()
            .strip_suffix(';')
            .unwrap();
        let text: String = serde_json::from_str(literal).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
        let html =
            with_bundle_tag("<html><head><script type=module src=app.js></script></head></html>")
                .unwrap();
        assert!(html.find(BUNDLE_FILE).unwrap() < html.find("app.js").unwrap());
    }
}
