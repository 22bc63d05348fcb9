//! Diagnostics as plain data: every problem the compiler finds in user input.
//!
//! Compiling never fails on user input; it returns output plus a list of
//! [`Diagnostic`]s. Renderers (the CLI's code frames, the browser's problems
//! panel) live at the edges and only read this data.

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A 1-based line and column in a file, plus the byte offset they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// One problem found in the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable code, e.g. `jinja-syntax`, `unknown-ref`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Path of the file relative to the project root, if the problem is in a file.
    pub file: Option<String>,
    /// Where in the file, if known.
    pub position: Option<Position>,
    /// Byte range in the file, if known.
    pub span: Option<(usize, usize)>,
    /// The node the problem belongs to, if any.
    pub node: Option<String>,
    /// A hint on how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: None,
            position: None,
            span: None,
            node: None,
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        if line > 0 {
            self.position = Some(Position {
                line,
                column: column.max(1),
            });
        }
        self
    }

    /// Sets position from a byte offset into `source`.
    pub fn at_offset(mut self, source: &str, offset: usize) -> Self {
        let pos = position_of(source, offset);
        self.position = Some(pos);
        self.span = Some((offset, offset));
        self
    }

    pub fn for_node(mut self, unique_id: impl Into<String>) -> Self {
        self.node = Some(unique_id.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col: severity[code]: message` on one line.
    pub fn one_line(&self) -> String {
        let mut s = String::new();
        if let Some(f) = &self.file {
            s.push_str(f);
            if let Some(p) = self.position {
                s.push_str(&format!(":{}:{}", p.line, p.column));
            }
            s.push_str(": ");
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        s.push_str(&format!("{sev}[{}]: {}", self.code, self.message));
        s
    }
}

/// 1-based line/column of a byte offset (columns count characters).
pub fn position_of(source: &str, offset: usize) -> Position {
    let offset = offset.min(source.len());
    let mut line = 1u32;
    let mut line_start = 0usize;
    for (i, b) in source.as_bytes()[..offset].iter().enumerate() {
        if *b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = source
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0) as u32
        + 1;
    Position { line, column }
}

/// Byte offset of a 1-based line/column, clamped to the source.
pub fn offset_of(source: &str, line: u32, column: u32) -> usize {
    let mut cur = 1u32;
    let mut start = 0usize;
    if line > 1 {
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                cur += 1;
                if cur == line {
                    start = i + 1;
                    break;
                }
            }
        }
        if cur < line {
            return source.len();
        }
    }
    let rest = &source[start..];
    let mut off = start;
    for (n, (i, _)) in rest.char_indices().enumerate() {
        if n + 1 >= column as usize {
            return start + i;
        }
        off = start + i;
    }
    off.min(source.len())
}

/// Renders a diagnostic as a code frame: location line, the source line and a caret.
pub fn render_frame(diag: &Diagnostic, source: Option<&str>) -> String {
    let mut out = diag.one_line();
    out.push('\n');
    if let (Some(src), Some(pos)) = (source, diag.position) {
        if let Some(text) = src.lines().nth(pos.line.saturating_sub(1) as usize) {
            let num = pos.line.to_string();
            let pad = " ".repeat(num.len());
            out.push_str(&format!("{pad} |\n{num} | {text}\n{pad} | "));
            out.push_str(&" ".repeat(pos.column.saturating_sub(1) as usize));
            out.push_str("^\n");
        }
    }
    if let Some(help) = &diag.help {
        out.push_str(&format!("  = help: {help}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let src = "ab\ncdé\nf";
        assert_eq!(position_of(src, 0), Position { line: 1, column: 1 });
        assert_eq!(position_of(src, 3), Position { line: 2, column: 1 });
        assert_eq!(position_of(src, 7), Position { line: 2, column: 4 });
        assert_eq!(offset_of(src, 2, 3), 5);
        assert_eq!(offset_of(src, 3, 1), 8);
    }

    #[test]
    fn frame_points_at_column() {
        let d = Diagnostic::error("x", "bad")
            .in_file("models/a.sql")
            .at(2, 3);
        let f = render_frame(&d, Some("one\ntwo\n"));
        assert_eq!(
            f,
            "models/a.sql:2:3: error[x]: bad\n  |\n2 | two\n  |   ^\n"
        );
    }
}
