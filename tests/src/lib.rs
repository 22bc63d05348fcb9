//! Helpers shared by the cross-crate tests: paths of the repository, loading
//! an example like the CLI does, and comparing with dbt-core's goldens.

use std::path::PathBuf;

pub mod golden;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
