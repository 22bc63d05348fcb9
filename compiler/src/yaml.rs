//! YAML in, `serde_json::Value` out, with errors as diagnostics.

use crate::diagnostics::Diagnostic;
use serde_json::Value;

/// Parses one YAML document. An empty document is `Value::Null`.
pub fn parse(path: &str, text: &str) -> Result<Value, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    match serde_saphyr::from_str_with_options::<Value>(text, options()) {
        Ok(v) => Ok(v),
        Err(e) => {
            let mut d = Diagnostic::error("yaml-syntax", first_line(&e.to_string())).in_file(path);
            if let Some(loc) = e.location() {
                d = d.at(loc.line() as u32, loc.column() as u32);
            }
            Err(d)
        }
    }
}

/// Closest to PyYAML, which dbt uses: `y`/`n` are strings, duplicate keys
/// take the last value. (PyYAML also reads `yes`/`no`/`on`/`off` as booleans;
/// here they stay strings.) The default budget guards against alias bombs.
fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    o
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// Serializes a value as YAML (for `toyaml`).
pub fn to_string(v: &Value) -> Result<String, String> {
    serde_saphyr::to_string(v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mapping() {
        let v = parse("a.yml", "a: 1\nb: [x, y]\n").unwrap();
        assert_eq!(v, serde_json::json!({"a": 1, "b": ["x", "y"]}));
    }

    #[test]
    fn single_letters_are_strings() {
        let v = parse("a.yml", "v: [Y, n, true]\n").unwrap();
        assert_eq!(v, serde_json::json!({"v": ["Y", "n", true]}));
    }

    #[test]
    fn error_has_location() {
        let d = parse("a.yml", "a: 1\nb: [x, y\n").unwrap_err();
        assert_eq!(d.code, "yaml-syntax");
        assert_eq!(d.file.as_deref(), Some("a.yml"));
        assert!(d.position.is_some(), "{d:?}");
    }
}
