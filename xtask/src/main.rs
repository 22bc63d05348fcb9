//! Project automation: `cargo xtask <task>`.
//!
//! - `demo`: build the browser app and a docs site of the example shop, and serve it.
//! - `test`: install what a fresh machine lacks, then run every test.
//! - `goldens [--check]`: regenerate (or verify) dbt-core's goldens for the examples.
//! - `wasm-test`, `wasm-size`: the compiler in headless Chromium, and its size (see `wasm.rs`).
//! - `app`, `e2e [--no-build]`, `bench-app`: build the browser app; run its end-to-end tests; time it (see `app.rs`).

mod app;
mod bench;
mod wasm;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    // `cargo run` says where the package is at run time; the path compiled in
    // may be another clone's when the target directory is shared.
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    dir.join("..").canonicalize().expect("repository root")
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {:?}", cmd);
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn ok(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds the `trellis` CLI (debug) and returns its path.
fn build_cli() -> Result<PathBuf> {
    run(cargo()
        .current_dir(root())
        .args(["build", "--quiet", "-p", "trellis-cli"]))?;
    Ok(wasm::target_dir().join("debug").join("trellis"))
}

/// The wasm target for the core's build check.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if let Ok(o) = installed {
        if String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown") {
            return Ok(());
        }
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// dbt-core and dbt-duckdb, the conformance oracle.
fn ensure_dbt() -> Result<()> {
    let have = ok(Command::new("python3").args([
        "-c",
        "import dbt.version, dbt.adapters.duckdb; assert dbt.version.__version__ == '1.11.16'",
    ]));
    if have {
        return Ok(());
    }
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "dbt-core==1.11.16",
        "dbt-duckdb==1.11.1",
    ]))
}

/// The main job: build the browser app and a docs site of the example shop,
/// then serve it on 127.0.0.1 (port `$TRELLIS_PORT`, default 8080).
fn demo() -> Result<()> {
    let r = root();
    let dist = app::build()?;
    let bin = build_cli()?;
    let target_dir = wasm::target_dir();
    let project = r.join("examples/shop");
    run(Command::new(&bin)
        .arg("compile")
        .arg("--project-dir")
        .arg(&project))?;
    let site = target_dir.join("demo-site");
    run(Command::new(&bin)
        .args(["docs", "build", "--project-dir"])
        .arg(&project)
        .arg("--output")
        .arg(&site)
        .arg("--app-dir")
        .arg(&dist))?;
    println!(
        "Compiled SQL: {}",
        project.join("target/compiled/shop").display()
    );
    println!("Docs site:    {}", site.display());
    let port = std::env::var("TRELLIS_PORT").unwrap_or_else(|_| "8080".into());
    println!("Serving the app on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    run(Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
        .arg(&site)
        .arg(&port))
}

fn test() -> Result<()> {
    let r = root();
    ensure_wasm_target()?;
    ensure_dbt()?;
    run(cargo().current_dir(&r).args(["test", "--workspace"]))?;
    run(cargo().current_dir(&r).args([
        "check",
        "-p",
        "trellis-compiler",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    run(Command::new("python3")
        .current_dir(&r)
        .args(["tests/oracle/goldens.py", "--check"]))?;
    validate_manifests(&r)?;
    wasm::test()?;
    app::e2e(&[])?;
    Ok(())
}

/// Compiles every example with `trellis` and checks that dbt-core accepts the manifests.
fn validate_manifests(r: &Path) -> Result<()> {
    let bin = build_cli()?;
    let out = wasm::target_dir().join("example-manifests");
    let mut manifests = Vec::new();
    for example in ["shop", "kitchen_sink"] {
        let dest = out.join(example);
        let project = r.join("examples").join(example);
        // Errors in an example are reported by the conformance test; only the manifest matters here.
        let _ = Command::new(&bin)
            .arg("compile")
            .arg("--project-dir")
            .arg(&project)
            .arg("--target-path")
            .arg(&dest)
            .env("TRELLIS_REGION", "amer")
            .status()?;
        manifests.push(dest.join("manifest.json"));
    }
    run(Command::new("python3")
        .current_dir(r)
        .arg("tests/oracle/validate_manifest.py")
        .args(&manifests))
}

fn goldens(args: &[String]) -> Result<()> {
    ensure_dbt()?;
    let r = root();
    run(Command::new("python3")
        .current_dir(&r)
        .arg("tests/oracle/goldens.py")
        .args(args))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(),
        Some("goldens") => goldens(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some(task @ ("wasm-test" | "wasm-size")) => wasm::task(task, &args[1..]),
        Some("app") => app::build().map(|d| eprintln!("built {}", d.display())),
        Some("e2e") => app::e2e(&args[1..]),
        Some("bench-app") => app::bench(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <demo|test|goldens [--check]|bench|bench-app|wasm-test|wasm-size|app|e2e>");
            std::process::exit(2)
        }
    }
}
