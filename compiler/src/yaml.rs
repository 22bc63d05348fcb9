//! YAML in, `serde_json::Value` out, with errors as diagnostics.

use crate::diagnostics::Diagnostic;
use serde_json::Value;

/// Parses one YAML document. An empty document is `Value::Null`.
pub fn parse(path: &str, text: &str) -> Result<Value, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    if let Some(v) = plain::read(text) {
        return Ok(v);
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

/// Parses a project's YAML file as dbt-core reads one: with the whitespace
/// around the whole file stripped first (a block scalar at the very end of a
/// file so loses its last line break). Positions stay those of the file.
pub fn parse_file(path: &str, text: &str) -> Result<Value, Diagnostic> {
    let body = text.trim();
    let lead = text.len() - text.trim_start().len();
    let parsed = parse(path, body).map(|mut v| {
        // A block scalar that ends the stripped file has no line break left
        // to keep; PyYAML then reads none, while the parser used here still
        // ends it with one. Only a block scalar can be a string ending in a
        // line break without a closing quote or bracket at the end of the
        // file (block scalars cannot be inside brackets).
        let last_line = body.rsplit('\n').next().unwrap_or(body);
        if !body.ends_with(['"', '\'', ']', '}']) && !last_line.trim_start().starts_with('#') {
            if let Some(Value::String(s)) = last_scalar(&mut v) {
                s.truncate(s.trim_end_matches('\n').len());
            }
        }
        v
    });
    parsed.map_err(|mut d| {
        if let Some(p) = d.position.as_mut() {
            let skipped = &text[..lead];
            let lines = skipped.matches('\n').count();
            if p.line == 1 {
                // The first line lost what came before it on its line.
                p.column += (skipped.len() - skipped.rfind('\n').map_or(0, |i| i + 1)) as u32;
            }
            p.line += lines as u32;
        }
        d
    })
}

/// The value read last: the last item of the last collection, in order.
fn last_scalar(v: &mut Value) -> Option<&mut Value> {
    match v {
        Value::Object(m) => m.values_mut().next_back().and_then(last_scalar),
        Value::Array(a) => a.last_mut().and_then(last_scalar),
        other => Some(other),
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

/// The common case read twice as fast: a document of mappings, sequences
/// and scalars, built straight from the parser's events into values.
///
/// It gives up (`None`) on anything whose reading takes more than that, and
/// the full reader then reads the document: errors, anchors and aliases,
/// tags, merge keys, duplicate keys, several documents, keys that are not
/// plain strings, and plain scalars that are not plainly a string, `null`,
/// `true`, `false` or a decimal number. What it does read, it reads as the
/// full reader does (a test compares the two).
mod plain {
    use granit_parser::{Event, Parser, ScalarStyle};
    use serde_json::{Map, Number, Value};

    /// A collection being read: where its items start on the scratch stacks,
    /// and for a mapping, the key waiting for its value.
    enum Open {
        Seq(usize),
        Map(usize, Option<String>),
    }

    pub fn read(text: &str) -> Option<Value> {
        let mut stack: Vec<Open> = Vec::new();
        // The items of every open collection, innermost last: each is built
        // once complete, at its exact size, instead of growing as it is read.
        let mut items: Vec<Value> = Vec::new();
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut done: Option<Value> = None;
        let mut documents = 0;
        for event in Parser::new_from_str(text) {
            let (event, _) = event.ok()?;
            let value = match event {
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => continue,
                Event::DocumentStart(_, version) => {
                    documents += 1;
                    if documents > 1 || version.is_some() {
                        return None;
                    }
                    continue;
                }
                Event::SequenceStart(_, 0, None) => {
                    stack.push(Open::Seq(items.len()));
                    continue;
                }
                Event::MappingStart(_, 0, None) => {
                    stack.push(Open::Map(entries.len(), None));
                    continue;
                }
                Event::Scalar(text, style, 0, None) => {
                    if let Some(Open::Map(_, key @ None)) = stack.last_mut() {
                        *key = Some(key_of(text.as_ref(), style)?);
                        continue;
                    }
                    scalar(text.as_ref(), style)?
                }
                Event::SequenceEnd => match stack.pop()? {
                    Open::Seq(start) => Value::Array(items.drain(start..).collect()),
                    Open::Map(..) => return None,
                },
                Event::MappingEnd => match stack.pop()? {
                    Open::Map(start, None) => {
                        let mut map = Map::with_capacity(entries.len() - start);
                        for (k, v) in entries.drain(start..) {
                            if map.insert(k, v).is_some() {
                                return None;
                            }
                        }
                        Value::Object(map)
                    }
                    Open::Map(_, Some(_)) | Open::Seq(_) => return None,
                },
                _ => return None,
            };
            match stack.last_mut() {
                None if done.is_none() => done = Some(value),
                None => return None,
                Some(Open::Seq(_)) => items.push(value),
                Some(Open::Map(_, key)) => entries.push((key.take()?, value)),
            }
        }
        if !stack.is_empty() || documents != 1 {
            return None;
        }
        done
    }

    /// A mapping key: quoted, or plain and plainly a string.
    fn key_of(text: &str, style: ScalarStyle) -> Option<String> {
        match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Some(text.to_string()),
            ScalarStyle::Plain if is_plain_string(text) && text != "<<" => Some(text.to_string()),
            _ => None,
        }
    }

    fn scalar(text: &str, style: ScalarStyle) -> Option<Value> {
        if style != ScalarStyle::Plain {
            return Some(Value::String(text.to_string()));
        }
        match text {
            "" | "~" | "null" => return Some(Value::Null),
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            _ => {}
        }
        if is_plain_string(text) {
            return Some(Value::String(text.to_string()));
        }
        number(text)
    }

    /// Words some YAML schema reads as something other than a string, in
    /// any case; the last three also after a sign or a dot (`-inf`, `.nan`).
    const SPECIAL: [&str; 12] = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf", "infinity",
    ];

    fn special(text: &str, words: &[&str]) -> bool {
        words.iter().any(|w| text.eq_ignore_ascii_case(w))
    }

    /// A plain scalar that no YAML schema reads as anything but a string:
    /// it does not start like a number and is none of the special words.
    fn is_plain_string(text: &str) -> bool {
        let Some(first) = text.bytes().next() else {
            return false;
        };
        if first.is_ascii_digit() || matches!(first, b'~' | b'<') {
            return false;
        }
        // `+materialized` and `-x` are strings; `+1`, `-.5`, `.inf`, `+inf` not.
        if matches!(first, b'+' | b'-' | b'.') {
            let rest = &text[1..];
            let word = rest
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
            if !word || special(rest, &SPECIAL[9..]) {
                return false;
            }
        }
        !special(text, &SPECIAL)
    }

    /// `-?(0|[1-9][0-9]*)` as an integer, or with `.[0-9]+` after it as a
    /// float; anything else is left to the full reader.
    fn number(text: &str) -> Option<Value> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let (int, frac) = match digits.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (digits, None),
        };
        let decimal = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !decimal(int) || (int.len() > 1 && int.starts_with('0')) || text == "-0" {
            return None;
        }
        match frac {
            None => text.parse::<i64>().ok().map(Value::from),
            Some(f) if decimal(f) => {
                let x: f64 = text.parse().ok()?;
                Number::from_f64(x).map(Value::Number)
            }
            Some(_) => None,
        }
    }
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
    fn a_file_is_read_stripped_with_its_own_positions() {
        // The last block scalar of a file loses its line break, as in dbt.
        let v = parse_file("a.yml", "\n\na: |\n  text\n\n").unwrap();
        assert_eq!(v, serde_json::json!({"a": "text"}));
        assert_eq!(parse("a.yml", "a: |\n  text\n").unwrap()["a"], "text\n");
        let v = parse_file("a.yml", "a: [x, {b: \"one\\n\"}]").unwrap();
        assert_eq!(v["a"][1]["b"], "one\n", "inside brackets");
        let v = parse_file("a.yml", "a:\n  - |\n    one\n\n    two\n\n").unwrap();
        assert_eq!(v["a"][0], "one\n\ntwo");
        // A quoted string keeps its escaped line break; so does a block
        // scalar followed by a comment.
        assert_eq!(parse_file("a.yml", "a: \"x\\n\"\n").unwrap()["a"], "x\n");
        assert_eq!(
            parse_file("a.yml", "a: |\n  x\n# end\n").unwrap()["a"],
            "x\n"
        );
        // An error is placed in the file as it is, not as stripped.
        let d = parse_file("a.yml", "\n\n  a: [1\n").unwrap_err();
        let p = d.position.expect("a position");
        let plain = parse("a.yml", "a: [1\n").unwrap_err().position.unwrap();
        assert_eq!(p.line, plain.line + 2);
        if plain.line == 1 {
            assert_eq!(p.column, plain.column + 2);
        }
    }

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

    /// The full reader alone.
    fn full(text: &str) -> Option<Value> {
        serde_saphyr::from_str_with_options::<Value>(text, options()).ok()
    }

    /// Where the plain reader reads a document, it reads what the full one does.
    fn agrees(text: &str) -> bool {
        match plain::read(text) {
            Some(v) => {
                assert_eq!(Some(&v), full(text).as_ref(), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn the_plain_reader_reads_every_example_as_the_full_one_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut read = 0;
        let mut files = 0;
        let mut dirs = vec![root.join("examples"), root.join("compiler/tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    files += 1;
                    read += usize::from(agrees(&text));
                }
            }
        }
        // Most of them take the plain path; the rest show that it gives up.
        assert!(read * 4 > files * 3, "{read} of {files}");
    }

    #[test]
    fn the_plain_reader_gives_up_on_what_it_does_not_read() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {a: 1}\n",
            "a: 1\na: 2\n",
            "a: 1\n---\nb: 2\n",
            "a: 0x1F\n",
            "a: 1e3\n",
            "a: 2024-01-01\n",
            "a: Yes\n",
            "a: .inf\n",
            "a: [1, 2\n",
            "? [a]\n: 1\n",
            "# only a comment\n",
        ] {
            assert_eq!(plain::read(text), None, "{text}");
        }
        assert_eq!(
            plain::read("models:\n  +materialized: view\n  -x: .y\n"),
            Some(serde_json::json!({"models": {"+materialized": "view", "-x": ".y"}}))
        );
        assert_eq!(plain::read("a: +.5\n"), None);
        assert_eq!(
            plain::read("a: 1\nb: [x, 'y', -2, 1.5, ~, true]\nc:\n  - d: \"e\"\n"),
            Some(
                serde_json::json!({"a": 1, "b": ["x", "y", -2, 1.5, null, true], "c": [{"d": "e"}]})
            )
        );
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// Scalars as written: words, numbers and near-numbers, special
        /// words in several spellings, quoted and block scalars.
        fn scalar() -> impl Strategy<Value = String> {
            let plain = prop::sample::select(vec![
                "abc",
                "hello world",
                "a b: c",
                "+materialized",
                "-x",
                ".hidden",
                "+_x",
                "1",
                "-1",
                "0",
                "1.5",
                "-2.25",
                "true",
                "false",
                "~",
                "null",
                "",
                "'quoted'",
                "\"dq\"",
                "'it''s'",
                "\"a\\nb\"",
                "é",
                "a-b",
                "[]",
                "{}",
                "[a, 1]",
                "{k: v}",
                "|\n  block",
            ]);
            let tricky = prop::sample::select(vec![
                "x#y",
                "01",
                "-0",
                "1.",
                ".5",
                "1e3",
                "1_000",
                "+1",
                "0x1F",
                "0o17",
                "9223372036854775808",
                "True",
                "TRUE",
                "yes",
                "No",
                "on",
                "y",
                "n",
                "Null",
                "NULL",
                "nan",
                "NaN",
                ".nan",
                "inf",
                ".inf",
                "-.inf",
                "infinity",
                "2024-01-01",
                "12:30",
                "-",
                "<<",
                ">\n  folded",
                "+inf",
                "-inf",
                "+Infinity",
                "-NaN",
                ".NaN",
                ".Inf",
                "+.5",
                "-.5",
                "+1a",
                "+",
                ".",
            ]);
            prop_oneof![12 => plain, 1 => tricky].prop_map(str::to_string)
        }

        #[derive(Debug, Clone)]
        enum Tree {
            Leaf(String),
            Seq(Vec<Tree>),
            Map(Vec<(String, Tree)>),
        }

        fn tree() -> impl Strategy<Value = Tree> {
            let leaf = scalar().prop_map(Tree::Leaf);
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Seq),
                    prop::collection::vec((scalar(), inner), 1..4).prop_map(Tree::Map),
                ]
            })
        }

        fn write(t: &Tree, indent: usize, out: &mut String) {
            let pad = " ".repeat(indent);
            match t {
                Tree::Leaf(s) => {
                    out.push_str(&pad);
                    out.push_str(s);
                    out.push('\n');
                }
                Tree::Seq(items) => {
                    for i in items {
                        out.push_str(&pad);
                        out.push_str("-\n");
                        write(i, indent + 2, out);
                    }
                }
                Tree::Map(entries) => {
                    for (k, v) in entries {
                        out.push_str(&pad);
                        out.push_str(k);
                        out.push_str(":\n");
                        write(v, indent + 2, out);
                    }
                }
            }
        }

        #[test]
        fn the_plain_reader_agrees_with_the_full_one() {
            let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
                cases: 2000,
                ..ProptestConfig::default()
            });
            let (read, all) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
            runner
                .run(&tree(), |t| {
                    let mut text = String::new();
                    write(&t, 0, &mut text);
                    all.set(all.get() + 1);
                    read.set(read.get() + usize::from(agrees(&text)));
                    Ok(())
                })
                .unwrap();
            // Both outcomes are exercised: documents it reads and ones it leaves.
            assert!(
                read.get() * 10 > all.get(),
                "{} of {}",
                read.get(),
                all.get()
            );
            assert!(read.get() < all.get(), "{} of {}", read.get(), all.get());
        }
    }

    #[test]
    fn error_has_location() {
        let d = parse("a.yml", "a: 1\nb: [x, y\n").unwrap_err();
        assert_eq!(d.code, "yaml-syntax");
        assert_eq!(d.file.as_deref(), Some("a.yml"));
        assert!(d.position.is_some(), "{d:?}");
    }
}
