//! Helpers shared by the cross-crate tests: paths of the repository, loading
//! an example like the CLI does, and comparing with dbt-core's goldens.

use std::path::PathBuf;

pub mod golden;

/// The repository root.
pub fn repo_root() -> PathBuf {
    // `cargo test` says where the package is at run time; the path compiled in
    // may be another clone's when the target directory is shared.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("..")
}
