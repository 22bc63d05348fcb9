//! `cargo xtask wasm-test` and `cargo xtask wasm-size`: the compiler as WebAssembly.
//!
//! - `wasm-test [ARGS]`: installs what is missing (the wasm32 target,
//!   wasm-bindgen-cli at the version in Cargo.lock, Chromium and chromedriver),
//!   then runs `compiler-wasm`'s tests in headless Chromium. `ARGS` go to
//!   `cargo test` (e.g. a test name).
//! - `wasm-size [--no-opt]`: builds the release module, runs wasm-bindgen
//!   (`--target web`) and wasm-opt (binaryen from npm), checks that the result
//!   loads and compiles in Node, and prints the sizes, raw and gzipped.
//!
//! Tools go to `$HOME/.cache/trellis/tools` and are reused when their version
//! is right. Builds use `CARGO_TARGET_DIR` when it is set.

use super::{cargo, ensure_wasm_target, root, run};
use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET: &str = "wasm32-unknown-unknown";
/// binaryen from npm: Debian's (version 108) emits modules Chromium rejects.
const BINARYEN: &str = "binaryen@132.0.0";

pub fn task(name: &str, args: &[String]) -> Result<()> {
    match name {
        "wasm-test" => test_with(args),
        "wasm-size" => size(args.iter().any(|a| a == "--no-opt")),
        _ => bail!("unknown task {name}"),
    }
}

/// Runs the wasm tests, installing what is missing first.
pub fn test() -> Result<()> {
    test_with(&[])
}

pub(crate) fn tools_dir() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".cache/trellis/tools")
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The version of `package` in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
            {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    bail!("{package} is not in Cargo.lock")
}

pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let o = cmd.output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// wasm-bindgen and wasm-bindgen-test-runner at exactly the version of the
/// `wasm-bindgen` crate in Cargo.lock; returns their directory.
pub(crate) fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = locked_version("wasm-bindgen")?;
    let tools = tools_dir();
    let bin = tools.join("bin");
    let have = output(Command::new(bin.join("wasm-bindgen")).arg("--version"));
    if have.as_deref() == Some(&format!("wasm-bindgen {version}"))
        && bin.join("wasm-bindgen-test-runner").exists()
    {
        return Ok(bin);
    }
    eprintln!(
        "installing wasm-bindgen-cli {version} into {} (about 5 minutes)",
        tools.display()
    );
    // Without --locked: the CLI's own lockfile pins a crate version the registry lacks.
    let mut install = cargo();
    install
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--root",
        ])
        .arg(&tools);
    if have.is_some() {
        install.arg("--force");
    }
    run(&mut install)?;
    Ok(bin)
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// Chromium and its chromedriver, from Debian's packages.
pub(crate) fn ensure_chromium() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        return Ok(());
    }
    if !is_root() {
        bail!("Chromium is missing: run `apt-get install -y chromium chromium-driver` as root, then this again");
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

pub(crate) fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH")
}

fn test_with(args: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    let bin = ensure_wasm_bindgen()?;
    ensure_chromium()?;
    // Chromium's flags beyond the runner's own (headless, no-sandbox): without
    // these it keeps trying to reach hosts it cannot reach.
    let dir = target_dir().join("wasm-test");
    std::fs::create_dir_all(&dir)?;
    let webdriver = dir.join("webdriver.json");
    std::fs::write(
        &webdriver,
        r#"{"goog:chromeOptions": {"args": ["disable-gpu", "disable-quic", "no-first-run", "disable-background-networking", "disable-component-update", "disable-sync"]}}"#,
    )?;
    let mut cmd = cargo();
    cmd.current_dir(root())
        .args(["test", "-p", "trellis-compiler-wasm", "--target", TARGET])
        .args(args)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            bin.join("wasm-bindgen-test-runner"),
        )
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
        .env("PATH", path_with(&bin));
    if std::env::var_os("CHROMEDRIVER").is_none() {
        cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    if std::env::var_os("WASM_BINDGEN_TEST_TIMEOUT").is_none() {
        // The default of 20 s is too short for a debug build on a busy machine.
        cmd.env("WASM_BINDGEN_TEST_TIMEOUT", "300");
    }
    run(&mut cmd)
}

/// wasm-opt from the npm package, installed next to the other tools.
pub(crate) fn ensure_wasm_opt() -> Result<PathBuf> {
    let tools = tools_dir();
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    let want = BINARYEN.rsplit('@').next().unwrap_or_default();
    let have = output(Command::new(&wasm_opt).arg("--version")).unwrap_or_default();
    if !have.contains(&format!(
        "version {}",
        want.split('.').next().unwrap_or(want)
    )) {
        std::fs::create_dir_all(&tools)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&tools)
            .arg(BINARYEN))?;
    }
    Ok(wasm_opt)
}

pub(crate) fn gzip_len(path: &Path) -> Result<u64> {
    let mut child = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .context("running gzip")?;
    let mut n = 0u64;
    let mut buf = [0u8; 65536];
    let mut out = child.stdout.take().expect("piped");
    loop {
        let k = out.read(&mut buf)?;
        if k == 0 {
            break;
        }
        n += k as u64;
    }
    if !child.wait()?.success() {
        bail!("gzip failed on {}", path.display());
    }
    Ok(n)
}

fn size(no_opt: bool) -> Result<()> {
    ensure_wasm_target()?;
    let bin = ensure_wasm_bindgen()?;
    let r = root();
    // Size-first release settings for this build only (the workspace's
    // release profile also serves the CLI, which wants speed).
    run(cargo().current_dir(&r).args([
        "build",
        "--release",
        "-p",
        "trellis-compiler-wasm",
        "--target",
        TARGET,
        "--config",
        "profile.release.opt-level=\"z\"",
        "--config",
        "profile.release.lto=true",
        "--config",
        "profile.release.codegen-units=1",
        "--config",
        "profile.release.panic=\"abort\"",
    ]))?;
    let raw = target_dir()
        .join(TARGET)
        .join("release/trellis_compiler_wasm.wasm");
    let pkg = target_dir().join("wasm-pkg");
    let _ = std::fs::remove_dir_all(&pkg);
    // Function names (about a third of the module) only serve stack traces.
    run(Command::new(bin.join("wasm-bindgen"))
        .args([
            "--target",
            "web",
            "--remove-name-section",
            "--remove-producers-section",
            "--out-dir",
        ])
        .arg(&pkg)
        .arg(&raw))?;
    let wasm = pkg.join("trellis_compiler_wasm_bg.wasm");
    let js = pkg.join("trellis_compiler_wasm.js");
    let mut rows = vec![("cargo build (lto, opt-level z)".to_string(), raw.clone())];
    let bindgen_copy = pkg.join("bindgen.wasm");
    std::fs::copy(&wasm, &bindgen_copy)?;
    rows.push(("wasm-bindgen".into(), bindgen_copy));
    if !no_opt {
        let wasm_opt = ensure_wasm_opt()?;
        // The features rustc enables by default for wasm32-unknown-unknown.
        run(Command::new(wasm_opt)
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
            ])
            .args([
                "--enable-mutable-globals",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm))?;
        rows.push(("wasm-opt -Oz".into(), wasm.clone()));
    }
    rows.push(("JS glue".into(), js));
    // The module must still load and compile: run it in Node.
    std::fs::write(pkg.join("package.json"), "{\"type\": \"module\"}\n")?;
    std::fs::write(
        pkg.join("smoke.js"),
        r#"import { readFileSync } from "node:fs";
import { initSync, compile, version } from "./trellis_compiler_wasm.js";
initSync({ module: readFileSync(new URL("./trellis_compiler_wasm_bg.wasm", import.meta.url)) });
const { manifest, diagnostics } = compile(
  { "dbt_project.yml": "name: smoke\nversion: '1.0'\nconfig-version: 2\n", "models/a.sql": "select 1 as x", "models/b.sql": "select * from {{ ref('a') }}" },
  { target: { type: "duckdb", database: "dev", schema: "main", name: "dev" } },
);
const code = manifest.nodes["model.smoke.b"].compiled_code;
if (code !== 'select * from "dev"."main"."a"' || diagnostics.length) throw new Error(`unexpected: ${code} ${JSON.stringify(diagnostics)}`);
console.log(`trellis-compiler-wasm ${version()} loads and compiles in Node`);
"#,
    )?;
    run(Command::new("node").arg(pkg.join("smoke.js")))?;
    println!("\n{:<32} {:>12} {:>12}", "", "bytes", "gzip -9");
    for (label, path) in &rows {
        let len = std::fs::metadata(path)?.len();
        println!("{label:<32} {len:>12} {:>12}", gzip_len(path)?);
    }
    println!("\nPackage: {}", pkg.display());
    Ok(())
}
