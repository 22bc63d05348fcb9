//! Writing what the compiler produced: compiled files, manifest.json, diagnostics.

use trellis_cli::load::{load, LoadOptions};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use trellis_compiler::diagnostics::render_frame;
use trellis_compiler::nodes::ResourceType;

pub struct CommandOptions {
    pub load: LoadOptions,
    pub target_path: PathBuf,
}

pub fn compile_command(opts: &CommandOptions, write_compiled: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let input = load(&opts.load)?;
    let out = trellis_compiler::compile(&input);
    let elapsed = started.elapsed();
    let mut errors = 0;
    for d in &out.diagnostics {
        if d.is_error() {
            errors += 1;
        }
        let src = d.file.as_ref().and_then(|f| input.files.get(f)).map(|s| s.as_ref());
        eprint!("{}", render_frame(d, src));
    }
    let target_dir = opts.load.project_dir.join(&opts.target_path);
    let m = &out.manifest;
    if write_compiled {
        let compiled_root = target_dir.join("compiled");
        for n in m.nodes.values() {
            let Some(code) = &n.compiled_code else { continue };
            if matches!(n.resource_type, ResourceType::Seed) {
                continue;
            }
            let rel = if n.resource_type == ResourceType::Test && n.test_metadata.is_some() {
                format!("{}/{}", n.original_file_path, n.path)
            } else {
                n.original_file_path.clone()
            };
            let path = compiled_root.join(&n.package_name).join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::write(&path, code).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    std::fs::create_dir_all(&target_dir)?;
    let manifest = trellis_compiler::manifest::to_json(&out, &input);
    let manifest_path = target_dir.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_string(&manifest)?)?;
    let count = |rt: ResourceType| m.nodes.values().filter(|n| n.resource_type == rt).count();
    eprintln!(
        "Found {} models, {} seeds, {} snapshots, {} data tests, {} analyses, {} sources, {} macros",
        count(ResourceType::Model),
        count(ResourceType::Seed),
        count(ResourceType::Snapshot),
        count(ResourceType::Test),
        count(ResourceType::Analysis),
        m.sources.len(),
        out.macros.len()
    );
    eprintln!(
        "{} in {:.0} ms: {} error(s); wrote {}",
        if write_compiled { "Compiled" } else { "Parsed" },
        elapsed.as_secs_f64() * 1000.0,
        errors,
        target_dir.display()
    );
    Ok(if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
