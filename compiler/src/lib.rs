//! Sans-IO dbt-compatible compiler core.
//!
//! Input is a [`ProjectInput`] (files in memory, target, vars, env); output is
//! data: nodes with compiled SQL, the graph, a manifest and diagnostics. This
//! crate never touches the file system, the clock, threads or the network.

pub mod compile;
pub mod config;
pub mod diagnostics;
pub mod graph;
pub mod input;
pub mod jinja;
pub mod manifest;
pub mod nodes;
mod par;
pub mod parser;
pub mod project;
pub mod pyjson;
pub mod render;
pub mod select;
pub mod semantic;
pub mod sql;
#[cfg(test)]
mod test_support;
pub mod warehouse;
pub mod yaml;

pub use compile::{compile, compile_with_progress, parse, CompileOutput, Progress};
pub use diagnostics::{Diagnostic, Severity};
pub use input::{ProjectInput, Target};
