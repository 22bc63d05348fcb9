//! Python's list, str and dict methods on every Jinja value.
//!
//! Jinja2 calls methods on the Python objects themselves, so dbt code uses
//! `cols.index(c)`, `(names | list).pop()`, `name.rsplit('.', 1)` and the
//! like on values however they were made: a literal, a filter's result, a
//! macro's return value, a variable. Mutable containers ([`MutList`],
//! [`MutDict`]) answer their own methods; every other sequence, string and
//! mapping is answered here, whatever produced it, and what minijinja's
//! Python compatibility layer knows is the fallback.

use super::containers::{MutDict, MutList};
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Error, ErrorKind, State};

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// The environment's unknown-method callback.
pub fn unknown_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    let answer = match value.kind() {
        ValueKind::Seq => seq_method(value, method, args),
        ValueKind::String => str_method(state, value, method, args),
        ValueKind::Map => map_method(value, method, args),
        _ => None,
    };
    match answer {
        Some(r) => r,
        None => minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args),
    }
}

/// Python's list methods that change the list in place.
const LIST_MUTATORS: &[&str] = &[
    "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear",
];

/// Python's dict methods that change the dict in place.
const DICT_MUTATORS: &[&str] = &["update", "pop", "popitem", "setdefault", "clear"];

fn int_arg(v: Option<&Value>, what: &str) -> Result<Option<i64>, Error> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(format!("{what} must be an integer, not {}", v.kind()))),
    }
}

/// Python's slice bounds `start`/`end` of a sequence of `len` items.
fn bounds(len: usize, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let clamp = |i: i64| -> usize {
        let i = if i < 0 { len as i64 + i } else { i };
        i.clamp(0, len as i64) as usize
    };
    (start.map(clamp).unwrap_or(0), end.map(clamp).unwrap_or(len))
}

/// `list.index(x[, start[, end]])`, shared by every sequence.
pub fn list_index(items: &[Value], args: &[Value]) -> Result<Value, Error> {
    let Some(x) = args.first() else {
        return Err(invalid("index expected at least 1 argument, got 0"));
    };
    if args.len() > 3 {
        return Err(invalid(format!(
            "index expected at most 3 arguments, got {}",
            args.len()
        )));
    }
    let (from, to) = bounds(
        items.len(),
        int_arg(args.get(1), "start")?,
        int_arg(args.get(2), "end")?,
    );
    items
        .get(from..to.max(from))
        .and_then(|part| part.iter().position(|v| v == x))
        .map(|i| Value::from(from + i))
        .ok_or_else(|| invalid(format!("{} is not in list", py_repr(x))))
}

/// How Python shows a value in an error message (`'a'` for text).
fn py_repr(v: &Value) -> String {
    match v.as_str() {
        Some(s) => format!("'{s}'"),
        None => v.to_string(),
    }
}

fn no_args(method: &str, args: &[Value]) -> Result<(), Error> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!(
            "{method}() takes no arguments ({} given)",
            args.len()
        )))
    }
}

fn seq_method(value: &Value, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    let items = || -> Result<Vec<Value>, Error> { Ok(value.try_iter()?.collect()) };
    Some(match method {
        "index" => items().and_then(|v| list_index(&v, args)),
        "count" => match args {
            [x] => items().map(|v| Value::from(v.iter().filter(|i| *i == x).count())),
            _ => Err(invalid(format!(
                "count() takes exactly one argument ({} given)",
                args.len()
            ))),
        },
        "copy" => no_args(method, args)
            .and_then(|_| items())
            .map(MutList::new_value),
        m if LIST_MUTATORS.contains(&m) => Err(invalid(format!(
            "cannot {m}: this sequence cannot be changed in place here; \
             make a copy first (`x | list` or `x.copy()`)"
        ))),
        _ => return None,
    })
}

fn map_method(value: &Value, method: &str, args: &[Value]) -> Option<Result<Value, Error>> {
    Some(match method {
        "copy" => no_args(method, args)
            .and_then(|_| MutDict::from_value(value))
            .map(MutDict::new_value),
        m if DICT_MUTATORS.contains(&m) => Err(invalid(format!(
            "cannot {m}: this dict cannot be changed in place here; \
             make a copy first (`x.copy()`)"
        ))),
        _ => return None,
    })
}

fn str_arg<'a>(args: &'a [Value], i: usize, method: &str) -> Result<Option<&'a str>, Error> {
    match args.get(i) {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => v.as_str().map(Some).ok_or_else(|| {
            invalid(format!(
                "{method}() argument {} must be str, not {}",
                i + 1,
                v.kind()
            ))
        }),
    }
}

/// Byte offset of the `n`th character of `s` (clamped to its end).
fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len())
}

/// `str.find`/`str.index` (from the left) or their `r` forms: the
/// character position of `sub` within `s[start:end]`.
fn find(s: &str, args: &[Value], method: &str, right: bool) -> Result<Option<usize>, Error> {
    let sub = str_arg(args, 0, method)?
        .ok_or_else(|| invalid(format!("{method}() takes at least 1 argument (0 given)")))?;
    let chars = s.chars().count();
    let (from, to) = bounds(
        chars,
        int_arg(args.get(1), "start")?,
        int_arg(args.get(2), "end")?,
    );
    if from > to {
        return Ok(None);
    }
    let part = &s[byte_at(s, from)..byte_at(s, to)];
    let at = if right {
        part.rfind(sub)
    } else {
        part.find(sub)
    };
    Ok(at.map(|b| from + part[..b].chars().count()))
}

/// Python's `str.split`/`str.rsplit`: by whitespace runs without `sep`.
fn split(s: &str, sep: Option<&str>, max: i64, right: bool) -> Result<Vec<Value>, Error> {
    let max = if max < 0 { usize::MAX } else { max as usize };
    let parts: Vec<&str> = match sep {
        Some("") => return Err(invalid("empty separator")),
        Some(sep) if right => {
            let mut v: Vec<&str> = s.rsplitn(max.saturating_add(1), sep).collect();
            v.reverse();
            v
        }
        Some(sep) => s.splitn(max.saturating_add(1), sep).collect(),
        None => {
            // Whitespace runs; leading and trailing whitespace gives no
            // empty parts, and what is left after `max` splits is kept
            // (stripped on the side the splitting started from).
            let mut parts = Vec::new();
            let mut rest = if right { s.trim_end() } else { s.trim_start() };
            while !rest.is_empty() && parts.len() < max {
                let cut = if right {
                    rest.rfind(char::is_whitespace)
                } else {
                    rest.find(char::is_whitespace)
                };
                let Some(cut) = cut else { break };
                let ws_len = rest[cut..].chars().next().map_or(1, char::len_utf8);
                if right {
                    parts.push(&rest[cut + ws_len..]);
                    rest = rest[..cut].trim_end();
                } else {
                    parts.push(&rest[..cut]);
                    rest = rest[cut + ws_len..].trim_start();
                }
            }
            if !rest.is_empty() {
                parts.push(rest);
            }
            if right {
                parts.reverse();
            }
            parts
        }
    };
    Ok(parts.into_iter().map(Value::from).collect())
}

/// `sep` and `maxsplit` of `split`/`rsplit`, positional or by name.
fn split_args(args: &[Value], method: &str) -> Result<(Option<String>, i64), Error> {
    let (pos, kw) = match args.split_last() {
        Some((last, rest)) if last.is_kwargs() => (rest, Kwargs::try_from(last.clone()).ok()),
        _ => (args, None),
    };
    let mut sep = str_arg(pos, 0, method)?.map(str::to_string);
    let mut max = int_arg(pos.get(1), "maxsplit")?.unwrap_or(-1);
    if let Some(kw) = kw {
        if let Some(v) = kw.get::<Option<Value>>("sep")? {
            sep = v.as_str().map(str::to_string);
        }
        if let Some(m) = kw.get::<Option<i64>>("maxsplit")? {
            max = m;
        }
        kw.assert_all_used()?;
    }
    Ok((sep, max))
}

/// A fill character argument (`ljust`, `rjust`, `center`).
fn fill_arg(args: &[Value], method: &str) -> Result<(usize, char), Error> {
    let width = int_arg(args.first(), "width")?
        .ok_or_else(|| invalid(format!("{method}() takes at least 1 argument (0 given)")))?;
    let fill = match str_arg(args, 1, method)? {
        None => ' ',
        Some(f) => {
            let mut cs = f.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(invalid(
                        "The fill character must be exactly one character long",
                    ))
                }
            }
        }
    };
    Ok((width.max(0) as usize, fill))
}

fn str_method(
    state: &mut State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Option<Result<Value, Error>> {
    let s = value.as_str()?;
    let text = |r: String| Ok(Value::from(r));
    Some(match method {
        "index" | "rindex" => find(s, args, method, method == "rindex").and_then(|at| {
            at.map(Value::from)
                .ok_or_else(|| invalid("substring not found"))
        }),
        "find" | "rfind" => find(s, args, method, method == "rfind")
            .map(|at| Value::from(at.map(|i| i as i64).unwrap_or(-1))),
        "split" | "rsplit" => split_args(args, method)
            .and_then(|(sep, max)| split(s, sep.as_deref(), max, method == "rsplit"))
            .map(MutList::new_value),
        "splitlines" => {
            match minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args) {
                Ok(v) => v.try_iter().map(|it| MutList::new_value(it.collect())),
                Err(e) => Err(e),
            }
        }
        "partition" | "rpartition" => match str_arg(args, 0, method) {
            Ok(Some("")) => Err(invalid("empty separator")),
            Ok(Some(sep)) => {
                let at = if method == "partition" {
                    s.find(sep)
                } else {
                    s.rfind(sep)
                };
                let parts = match (at, method == "partition") {
                    (Some(i), _) => [&s[..i], sep, &s[i + sep.len()..]],
                    (None, true) => [s, "", ""],
                    (None, false) => ["", "", s],
                };
                Ok(Value::from_iter(parts.map(Value::from)))
            }
            Ok(None) => Err(invalid(format!("{method}() takes exactly one argument"))),
            Err(e) => Err(e),
        },
        "zfill" => int_arg(args.first(), "width").and_then(|w| {
            let width = w.unwrap_or(0).max(0) as usize;
            let len = s.chars().count();
            if len >= width {
                return text(s.to_string());
            }
            let pad = "0".repeat(width - len);
            text(match s.strip_prefix(['+', '-']) {
                Some(rest) => format!("{}{pad}{rest}", &s[..1]),
                None => format!("{pad}{s}"),
            })
        }),
        "ljust" | "rjust" | "center" => fill_arg(args, method).and_then(|(width, fill)| {
            let len = s.chars().count();
            if len >= width {
                return text(s.to_string());
            }
            let total = width - len;
            let (left, right) = match method {
                "ljust" => (0, total),
                "rjust" => (total, 0),
                // Python's rule for where the odd fill character goes.
                _ => {
                    let left = total / 2 + (total & width & 1);
                    (left, total - left)
                }
            };
            let pad = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
            text(format!("{}{s}{}", pad(left), pad(right)))
        }),
        "swapcase" => no_args(method, args).and_then(|_| {
            text(
                s.chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect::<Vec<_>>()
                        }
                    })
                    .collect(),
            )
        }),
        "casefold" => no_args(method, args).and_then(|_| text(s.to_lowercase())),
        "removeprefix" | "removesuffix" => match str_arg(args, 0, method) {
            Ok(Some(x)) => text(
                if method == "removeprefix" {
                    s.strip_prefix(x)
                } else {
                    s.strip_suffix(x)
                }
                .unwrap_or(s)
                .to_string(),
            ),
            Ok(None) => Err(invalid(format!("{method}() takes exactly one argument"))),
            Err(e) => Err(e),
        },
        "isdecimal" => no_args(method, args)
            .map(|_| Value::from(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    //! The `DBT_CASES` table holds what dbt-core 1.11.16 compiled from the
    //! same models (target duckdb), with the macro `ret` defined as here.

    use super::*;
    use std::collections::BTreeMap;

    const RET_MACRO: &str =
        "{% macro ret() %}{% do return(['X', 'Y'] | map('lower') | list) %}{% endmacro %}";

    /// Compiled SQL by model name, and errors as `file:line:column: message`.
    fn compile_models(models: &[(&str, &str)]) -> (BTreeMap<String, String>, Vec<String>) {
        crate::test_support::compile_models(models, &[("macros/ret.sql", RET_MACRO)], |_| {})
    }

    /// Model, template, and what dbt-core 1.11.16 compiles it to.
    const DBT_CASES: &[(&str, &str, &str)] = &[
        (
            "list_filter_index",
            r#"{{ (['A','B'] | map('lower') | list).index('b') }}"#,
            r#"1"#,
        ),
        ("list_index_start", r#"{{ [1, 2, 1].index(1, 1) }}"#, r#"2"#),
        (
            "split_index",
            r#"{{ 'a,b,c'.split(',').index('c') }}"#,
            r#"2"#,
        ),
        (
            "json_index",
            r#"{{ fromjson('[1, 2, 3]').index(3) }}"#,
            r#"2"#,
        ),
        (
            "yaml_count",
            r#"{{ fromyaml('[a, b, a]').count('a') }}"#,
            r#"2"#,
        ),
        ("sort_count", r#"{{ ([2, 1, 2] | sort).count(2) }}"#, r#"2"#),
        (
            "list_pop",
            r#"{{ ('a.b.c'.split('.') | list).pop() }}"#,
            r#"c"#,
        ),
        (
            "list_append",
            r#"{% set l = range(3) | list %}{% do l.append(9) %}{{ l | join(',') }}"#,
            r#"0,1,2,9"#,
        ),
        (
            "sort_append",
            r#"{% set l = [3, 1] | sort %}{% do l.append(0) %}{{ l | join(',') }}"#,
            r#"1,3,0"#,
        ),
        (
            "list_edit",
            r#"{% set l = ['b'] | list %}{% do l.extend(['c', 'd']) %}{% do l.insert(0, 'a') %}{% do l.remove('c') %}{% do l.reverse() %}{{ l | join(',') }}"#,
            r#"d,b,a"#,
        ),
        (
            "copy_append",
            r#"{% set l = fromjson('[1]').copy() %}{% do l.append(2) %}{{ l | join(',') }}"#,
            r#"1,2"#,
        ),
        (
            "split_append",
            r#"{% set l = 'a b'.split() %}{% do l.append('c') %}{{ l | join(',') }}"#,
            r#"a,b,c"#,
        ),
        ("macro_list", r#"{{ ret().index('y') }}"#, r#"1"#),
        (
            "json_append",
            r#"{% set l = fromjson('{"l": [1]}')['l'] %}{% do l.append(2) %}{{ l | join(',') }}"#,
            r#"1,2"#,
        ),
        (
            "yaml_update",
            r#"{% set d = fromyaml('a: 1') %}{% do d.update({'b': 2}) %}{{ d.keys() | join(',') }}"#,
            r#"a,b"#,
        ),
        (
            "str_index",
            r#"{{ 'abcb'.index('b') }} {{ 'abcb'.rindex('b') }} {{ 'abcb'.find('b', 2) }} {{ 'abc'.find('z') }}"#,
            r#"1 3 3 -1"#,
        ),
        (
            "str_rsplit",
            r#"{{ 'a.b.c'.rsplit('.', 1) | join('|') }} {{ 'a.b.c'.split('.', 1) | join('|') }}"#,
            r#"a.b|c a|b.c"#,
        ),
        (
            "str_split_ws",
            r#"{{ '  a  b c '.split() | join('|') }} {{ 'a  b c'.split(None, 1) | join('|') }}"#,
            r#"a|b|c a|b c"#,
        ),
        (
            "str_partition",
            r#"{{ 'k=v=w'.partition('=') | join('|') }} {{ 'k=v=w'.rpartition('=') | join('|') }} {{ 'kv'.partition('=') | join('|') }}"#,
            r#"k|=|v=w k=v|=|w kv||"#,
        ),
        (
            "str_pad",
            r#"{{ '7'.zfill(3) }} {{ '-7'.zfill(4) }} [{{ 'ab'.ljust(4, '*') }}] [{{ 'ab'.rjust(4) }}] [{{ 'ab'.center(5, '-') }}] [{{ 'abc'.center(6, '-') }}]"#,
            r#"007 -007 [ab**] [  ab] [--ab-] [-abc--]"#,
        ),
        (
            "str_case",
            r#"{{ 'AbC'.swapcase() }} {{ 'AbC'.casefold() }} {{ 'AbC'.lower() }} {{ 'AbC'.upper() }} {{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }}"#,
            r#"aBc abc abc ABC Hello World Hello"#,
        ),
        (
            "str_affix",
            r#"{{ 'stg_orders'.removeprefix('stg_') }} {{ 'orders_v2'.removesuffix('_v2') }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('c') }}"#,
            r#"orders orders True True"#,
        ),
        (
            "str_strip",
            r#"[{{ '  x '.strip() }}] [{{ 'xxaxx'.strip('x') }}] [{{ '  x '.lstrip() }}] [{{ '  x '.rstrip() }}]"#,
            r#"[x] [a] [x ] [  x]"#,
        ),
        (
            "str_misc",
            r#"{{ 'aaa'.replace('a', 'b', 2) }} {{ '{} {}'.format(1, 'x') }} {{ '{a}-{b}'.format(a=1, b=2) }} {{ ','.join(['a', 'b']) }} {{ 'a.b.c'.count('.') }} {{ '123'.isdigit() }} {{ '12'.isdecimal() }}"#,
            r#"bba 1 x 1-2 a,b 2 True True"#,
        ),
        (
            "dict_json",
            r#"{% set d = fromjson('{"a": 1, "b": 2}') %}{{ d.keys() | join(',') }} {{ d.values() | join(',') }} {{ d.get('a') }} {{ d.get('z', 5) }} {{ d.get('z') }}"#,
            r#"a,b 1,2 1 5 None"#,
        ),
        (
            "dict_items",
            r#"{% for k, v in fromjson('{"a": 1}').items() %}{{ k }}={{ v }}{% endfor %}"#,
            r#"a=1"#,
        ),
        (
            "dict_copy_update",
            r#"{% set d = fromjson('{"a": 1}').copy() %}{% do d.update({'b': 2}) %}{% do d.update(c=3) %}{{ d.keys() | join(',') }}"#,
            r#"a,b,c"#,
        ),
        (
            "dict_literal",
            r#"{% set d = {'a': 1} %}{% do d.setdefault('b', 2) %}{{ d.pop('a') }} {{ d.pop('z', 0) }} {{ d | length }} {{ d.items() | list | length }}"#,
            r#"1 0 1 1"#,
        ),
    ];

    #[test]
    fn methods_as_dbt_has_them() {
        crate::test_support::check_models(DBT_CASES, &[("macros/ret.sql", RET_MACRO)], |_| {});
    }

    #[test]
    fn changing_what_cannot_change_is_an_error_in_place() {
        // A tuple cannot be changed in Python either.
        let (out, errors) = compile_models(&[
            ("bad", "select 1\n{% do (1, 2).append(3) %}"),
            ("bad_dict", "{% do target.update({'a': 1}) %}"),
            ("good", "select 1"),
        ]);
        assert!(out.contains_key("good"));
        assert!(!out.contains_key("bad") && !out.contains_key("bad_dict"));
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(
            errors[0].starts_with("models/bad.sql:2:") && errors[0].contains("cannot append"),
            "{errors:#?}"
        );
        assert!(
            errors[1].starts_with("models/bad_dict.sql:1:") && errors[1].contains("cannot update"),
            "{errors:#?}"
        );
    }

    #[test]
    fn split_as_python_does() {
        let parts = |s: &str, sep: Option<&str>, max: i64, right: bool| {
            split(s, sep, max, right)
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(parts("  a b\t c  ", None, -1, false), ["a", "b", "c"]);
        assert_eq!(parts("  a b  c  ", None, 1, false), ["a", "b  c  "]);
        assert_eq!(parts("  a b  c  ", None, 1, true), ["  a b", "c"]);
        assert_eq!(parts("a.b.c", Some("."), 1, true), ["a.b", "c"]);
        assert_eq!(parts("a.b.c", Some("."), 1, false), ["a", "b.c"]);
        assert_eq!(parts("", Some(","), -1, false), [""]);
        assert!(parts("   ", None, -1, false).is_empty());
        assert!(split("a", Some(""), -1, false).is_err());
    }

    #[test]
    fn index_with_bounds() {
        let items: Vec<Value> = [1, 2, 1].into_iter().map(Value::from).collect();
        let at = |args: &[Value]| list_index(&items, args).map(|v| v.as_i64().unwrap());
        assert_eq!(at(&[1.into()]).unwrap(), 0);
        assert_eq!(at(&[1.into(), 1.into()]).unwrap(), 2);
        assert_eq!(at(&[1.into(), (-1).into()]).unwrap(), 2);
        assert!(at(&[1.into(), 1.into(), 2.into()]).is_err());
        assert!(at(&[3.into()])
            .unwrap_err()
            .to_string()
            .contains("3 is not in list"));
        assert!(at(&[]).is_err());
    }
}
