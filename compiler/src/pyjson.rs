//! `json.dumps` as Python writes it (dbt's `tojson`): `", "` and `": "`
//! separators, non-ASCII escaped, floats in Python's spelling.

use serde_json::Value;

/// Serializes like Python's `json.dumps(value)`.
pub fn dumps(v: &Value) -> String {
    dumps_with(v, false)
}

/// Serializes like `json.dumps(value, sort_keys=sort_keys)`.
pub fn dumps_with(v: &Value, sort_keys: bool) -> String {
    let mut out = String::new();
    write(&mut out, v, sort_keys);
    out
}

fn write(out: &mut String, v: &Value, sort_keys: bool) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                let f = n.as_f64().unwrap_or(0.0);
                if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
                    out.push_str(&format!("{f:.1}"));
                } else {
                    out.push_str(&n.to_string());
                }
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(out, x, sort_keys);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            if sort_keys {
                keys.sort();
            }
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write(out, &m[k], sort_keys);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python() {
        assert_eq!(
            dumps(&json!({"b": [1, 2.0], "a": "é\n"})),
            r#"{"b": [1, 2.0], "a": "\u00e9\n"}"#
        );
        assert_eq!(
            dumps_with(&json!({"b": 1, "a": null}), true),
            r#"{"a": null, "b": 1}"#
        );
    }
}
