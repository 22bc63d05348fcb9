//! `cargo xtask app` and `cargo xtask e2e`: the browser app.
//!
//! - `app`: installs Trunk (and the wasm-bindgen and wasm-opt it uses) into
//!   `$HOME/.cache/trellis/tools` when missing, then `trunk build --release`
//!   into `dist/`.
//! - `e2e`: builds the app, the CLI's output for the same projects, and a
//!   docs site, then runs the Playwright tests in `e2e/` against them in
//!   headless Chromium. Screenshots go to `$CARGO_TARGET_DIR/e2e-artifacts`.

use super::wasm::{
    ensure_chromium, ensure_wasm_bindgen, ensure_wasm_opt, output, path_with, target_dir, tools_dir,
};
use super::{cargo, ensure_wasm_target, root, run};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

const TRUNK_VERSION: &str = "0.21.14";

fn ensure_trunk() -> Result<PathBuf> {
    let tools = tools_dir();
    let trunk = tools.join("bin/trunk");
    let have = output(Command::new(&trunk).arg("--version")).unwrap_or_default();
    if have != format!("trunk {TRUNK_VERSION}") {
        eprintln!("installing trunk {TRUNK_VERSION} (about 11 minutes)");
        run(cargo()
            .args([
                "install",
                "--locked",
                "trunk",
                "--version",
                TRUNK_VERSION,
                "--root",
            ])
            .arg(&tools)
            .arg("--force"))?;
    }
    Ok(trunk)
}

/// Builds the app into `dist/` and returns that directory.
pub fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let bin = ensure_wasm_bindgen()?;
    let wasm_opt = ensure_wasm_opt()?;
    let trunk = ensure_trunk()?;
    let r = root();
    // Trunk runs cargo offline (Trunk.toml), so dependencies are fetched first.
    run(cargo().current_dir(&r).arg("fetch"))?;
    let path = path_with(&bin);
    let path = std::env::join_paths(
        std::iter::once(wasm_opt.parent().expect("bin dir").to_path_buf())
            .chain(std::env::split_paths(&path)),
    )?;
    run(Command::new(trunk)
        .current_dir(&r)
        .args(["build", "--release"])
        .env("PATH", path)
        .env("NO_COLOR", "true"))?;
    Ok(r.join("dist"))
}

fn ensure_playwright() -> Result<()> {
    let e2e = root().join("e2e");
    if e2e
        .join("node_modules/playwright-core/package.json")
        .exists()
    {
        return Ok(());
    }
    run(Command::new("npm")
        .current_dir(&e2e)
        .args(["ci", "--no-audit", "--no-fund"]))
}

/// The built app (rebuilt unless `--no-build`), Chromium and Playwright.
fn prepare_browser(args: &[String]) -> Result<PathBuf> {
    let dist = if args.iter().any(|a| a == "--no-build") {
        root().join("dist")
    } else {
        build()?
    };
    ensure_chromium()?;
    ensure_playwright()?;
    Ok(dist)
}

/// Runs the end-to-end tests.
pub fn e2e(args: &[String]) -> Result<()> {
    let dist = prepare_browser(args)?;
    let r = root();
    let trellis = super::build_cli()?;
    let work = target_dir().join("e2e");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    // The CLI's compiled SQL, which the page must show byte for byte.
    run(Command::new(&trellis)
        .args(["compile", "--project-dir"])
        .arg(r.join("examples/shop"))
        .arg("--target-path")
        .arg(work.join("shop-target")))?;
    run(Command::new(&trellis)
        .args(["docs", "build", "--project-dir"])
        .arg(r.join("examples/shop"))
        .arg("--output")
        .arg(work.join("site"))
        .arg("--app-dir")
        .arg(&dist))?;
    let artifacts = target_dir().join("e2e-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    run(Command::new("node")
        .current_dir(r.join("e2e"))
        .arg("run.mjs")
        .args(args.iter().filter(|a| *a != "--no-build"))
        .env("TRELLIS_DIST", &dist)
        .env("TRELLIS_BIN", &trellis)
        .env("TRELLIS_SITE", work.join("site"))
        .env("TRELLIS_COMPILED", work.join("shop-target/compiled/shop"))
        .env("TRELLIS_WORK", &work)
        .env("TRELLIS_ARTIFACTS", &artifacts))
    .context("end-to-end tests failed (screenshots in the artifacts directory)")?;
    eprintln!("screenshots: {}", artifacts.display());
    Ok(())
}

/// `cargo xtask bench-app [--models N] [--runs N] [--no-build]`: time to
/// interactive on a generated project opened as an archive, search latency,
/// and the gzipped size of what the page downloads.
pub fn bench(args: &[String]) -> Result<()> {
    let value = |flag: &str, default: usize| -> Result<usize> {
        match args.iter().position(|a| a == flag) {
            Some(i) => args
                .get(i + 1)
                .context("missing value")?
                .parse()
                .with_context(|| format!("{flag} takes a number")),
            None => Ok(default),
        }
    };
    let models = value("--models", 5000)?;
    let runs = value("--runs", 3)?;
    let dist = prepare_browser(args)?;
    let work = target_dir().join("bench-app");
    let _ = std::fs::remove_dir_all(&work);
    let project = work.join("project");
    std::fs::create_dir_all(&project)?;
    let generated = super::bench::generate(&project, models)?;
    let archive = work.join("project.tar.gz");
    run(Command::new("tar")
        .arg("czf")
        .arg(&archive)
        .arg("-C")
        .arg(&work)
        .arg("project"))?;
    let mut sizes = Vec::new();
    for e in std::fs::read_dir(&dist)? {
        let p = e?.path();
        if p.extension()
            .is_some_and(|x| x == "wasm" || x == "js" || x == "css")
        {
            sizes.push((
                p.clone(),
                std::fs::metadata(&p)?.len(),
                super::wasm::gzip_len(&p)?,
            ));
        }
    }
    for e in walk_files(&dist.join("snippets"))? {
        sizes.push((
            e.clone(),
            std::fs::metadata(&e)?.len(),
            super::wasm::gzip_len(&e)?,
        ));
    }
    sizes.sort();
    let out = Command::new("node")
        .current_dir(root().join("e2e"))
        .arg("bench.mjs")
        .arg(&dist)
        .arg(&archive)
        .arg(runs.to_string())
        .output()?;
    if !out.status.success() {
        anyhow::bail!(
            "bench.mjs failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let lines = String::from_utf8_lossy(&out.stdout).to_string();
    let mut tti = Vec::new();
    let mut search = Vec::new();
    let mut compiled = Vec::new();
    for l in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(l)?;
        tti.push(v["interactive_ms"].as_f64().unwrap_or(0.0));
        search.push(v["search_ms"].as_f64().unwrap_or(0.0));
        compiled.push(v["compiled_ms"].as_f64().unwrap_or(0.0));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let archive_len = std::fs::metadata(&archive)?.len();
    let mut md = format!(
        "Generated project: {models} models in {generated} files ({} KiB .tar.gz), opened with `?project=` in headless Chromium; {runs} runs.\n\n\
         | measure | median |\n|---|---:|\n\
         | time to interactive (navigation → project shown, parsed) | {:.2} s |\n\
         | time to compiled SQL (navigation → every node compiled) | {:.2} s |\n\
         | search \"customer\" → results shown | {:.0} ms |\n\n\
         | file | bytes | gzipped |\n|---|---:|---:|\n",
        archive_len / 1024,
        median(&mut tti) / 1000.0,
        median(&mut compiled) / 1000.0,
        median(&mut search),
    );
    let (mut total, mut total_gz) = (0, 0);
    for (p, n, gz) in &sizes {
        total += n;
        total_gz += gz;
        let name = p.strip_prefix(&dist).unwrap_or(p).display();
        md.push_str(&format!("| {name} | {n} | {gz} |\n"));
    }
    md.push_str(&format!("| total | {total} | {total_gz} |\n"));
    print!("{lines}\n{md}");
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("app.md"), &md)?;
    Ok(())
}

fn walk_files(dir: &std::path::Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk_files(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}
