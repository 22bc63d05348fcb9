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

/// The SQL of unit tests that compiled, where `dbt test` writes it:
/// `<package>/<properties file>/<its folder>/<test name>.sql`.
pub fn unit_test_files(out: &CompileOutput) -> Vec<(PathBuf, &str)> {
    out.manifest
        .unit_tests
        .values()
        .filter_map(|u| {
            let code = u.compiled_code.as_deref()?;
            let dir = Path::new(&u.original_file_path)
                .parent()
                .unwrap_or(Path::new(""));
            Some((
                Path::new(&u.package_name)
                    .join(&u.original_file_path)
                    .join(dir)
                    .join(format!("{}.sql", u.test_name())),
                code,
            ))
        })
        .collect()
}

/// Writes `<target_dir>/compiled/...`: nodes as `dbt compile` writes them,
/// and unit tests as `dbt test` does. Folders are made once, and the files
/// are written from as many threads as there are cores.
pub fn write_compiled(out: &CompileOutput, target_dir: &Path) -> Result<()> {
    let root = target_dir.join("compiled");
    let files: Vec<(PathBuf, &str)> = compiled_files(out)
        .into_iter()
        .chain(unit_test_files(out))
        .map(|(rel, code)| (root.join(rel), code))
        .collect();
    // Directories as bytes: sorting 40,000 paths component by component
    // took longer than creating the directories.
    let mut dirs: Vec<&std::ffi::OsStr> = files
        .iter()
        .filter_map(|(p, _)| p.parent())
        .map(Path::as_os_str)
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs.into_iter().map(Path::new) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || -> Result<()> {
                    for (path, code) in part {
                        overwrite(path, code.as_bytes())
                            .with_context(|| format!("writing {}", path.display()))?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a writer thread panicked")))
        })
    })
}

/// Opens `path` for writing, creating it if needed, without truncating it:
/// on ext4 (mounted with `discard` in particular) truncating a file frees its
/// blocks right away, and rewriting 40,000 compiled files that way took 2.3 s
/// instead of 0.4 s. Whoever writes must call [`finish_overwrite`].
pub fn open_for_overwrite(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Cuts what is left of an older, longer file after `len` bytes were written
/// from its start (a no-op when the length is already right).
pub fn finish_overwrite(file: &std::fs::File, len: u64) -> std::io::Result<()> {
    if file.metadata()?.len() != len {
        file.set_len(len)?;
    }
    Ok(())
}

/// Writes `bytes` as the whole content of `path`, as `std::fs::write` does,
/// through [`open_for_overwrite`].
pub fn overwrite(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = open_for_overwrite(path)?;
    file.write_all(bytes)?;
    finish_overwrite(&file, bytes.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rewriting in place leaves exactly the new content, whether the old
    /// file was longer, shorter or missing.
    #[test]
    fn overwrite_leaves_exactly_the_new_content() {
        let dir = std::env::temp_dir().join(format!("trellis-overwrite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.sql");
        for text in [
            "select 1 as a, 2 as b\n",
            "select 1\n",
            "",
            "select 12345678901234567890\n",
        ] {
            overwrite(&path, text.as_bytes()).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
