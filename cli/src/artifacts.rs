//! Writing dbt's artifacts: `target/compiled/` laid out as dbt lays it out.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use trellis_compiler::nodes::ResourceType;
use trellis_compiler::CompileOutput;

/// The compiled files dbt writes: path under `<target>/compiled/` and content.
pub fn compiled_files(out: &CompileOutput) -> Vec<(PathBuf, &str)> {
    let mut files = Vec::new();
    for n in out.manifest.nodes.values() {
        let Some(code) = &n.compiled_code else {
            continue;
        };
        // dbt writes no compiled file for seeds and snapshots, nor for hooks that render to nothing.
        if matches!(n.resource_type, ResourceType::Seed | ResourceType::Snapshot) {
            continue;
        }
        if n.resource_type == ResourceType::Operation && code.trim().is_empty() {
            continue;
        }
        let rel = trellis_compiler::manifest::compiled_path(n);
        let rel = rel
            .strip_prefix("target/compiled/")
            .unwrap_or(&rel)
            .replace("/./", "/");
        files.push((PathBuf::from(rel), code.as_str()));
    }
    files
}

/// Writes `<target_dir>/compiled/...`.
pub fn write_compiled(out: &CompileOutput, target_dir: &Path) -> Result<()> {
    let root = target_dir.join("compiled");
    for (rel, code) in compiled_files(out) {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, code).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
