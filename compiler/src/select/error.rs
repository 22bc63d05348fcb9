//! Errors of selector parsing and evaluation, carried as data with the place
//! in the selector text or selectors file they refer to.

use serde::{Deserialize, Serialize};

/// Where a selector was written: a command-line argument (with a character
/// offset inside it), or a position in a YAML file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceLocation {
    /// Index of the `--select`/`--exclude` value the text came from.
    pub argument: Option<usize>,
    /// Offset of the spec inside that value, in characters.
    pub offset: Option<usize>,
    /// Length of the spec, in characters.
    pub length: Option<usize>,
    /// File name (for selectors.yml).
    pub file: Option<String>,
    /// 1-based line in `file`.
    pub line: Option<u64>,
    /// 1-based column in `file`.
    pub column: Option<u64>,
}

impl SourceLocation {
    /// A span inside one command-line value.
    pub fn in_argument(argument: usize, offset: usize, length: usize) -> SourceLocation {
        SourceLocation {
            argument: Some(argument),
            offset: Some(offset),
            length: Some(length),
            ..Default::default()
        }
    }

    /// A position in a file; a zero line means "unknown".
    pub fn in_file(file: &str, line: u64, column: u64) -> SourceLocation {
        SourceLocation {
            file: Some(file.to_string()),
            line: (line > 0).then_some(line),
            column: (line > 0 && column > 0).then_some(column),
            ..Default::default()
        }
    }

    /// True when nothing is known.
    pub fn is_unknown(&self) -> bool {
        *self == SourceLocation::default()
    }
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A selector string could not be parsed.
    Parse,
    /// selectors.yml is malformed or refers to an unknown selector.
    Selectors,
    /// A selector parsed but its value is invalid for its method
    /// (`source:a.b.c.d`, `test_type:zzz`, a missing `--state`, ...).
    Evaluation,
    /// An invalid argument to the API (unknown resource type, output format).
    Argument,
}

/// An error with a message in dbt's wording and where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct SelectorError {
    pub kind: ErrorKind,
    pub message: String,
    pub location: Box<SourceLocation>,
}

impl SelectorError {
    /// An error without a location.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> SelectorError {
        SelectorError {
            kind,
            message: message.into(),
            location: Box::default(),
        }
    }

    /// Attaches a location (keeping an already known one).
    pub fn with_location(mut self, location: SourceLocation) -> SelectorError {
        if self.location.is_unknown() {
            *self.location = location;
        }
        self
    }
}
