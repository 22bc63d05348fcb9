//! dbt-core's static parser for SQL models.
//!
//! dbt-core does not render a model at parse time when its text is only
//! plain SQL, `{# comments #}` and `{{ .. }}` blocks holding literals or
//! `ref(..)`, `source(..)` and `config(..)` calls with literal arguments
//! (config values: strings, booleans, lists and dicts of them; no hooks).
//! Such a model's refs, sources and config are read from the text, and its
//! string literals are taken as written: escapes are not processed, so
//! `config(description='a\nb')` keeps the two characters `\n` where a
//! render would give a newline. Anything else (`{% %}` tags, other calls,
//! filters, names, whitespace control) means the model is rendered.
//!
//! The accepted language is that of dbt-core's extractor grammar; this is
//! our own recursive-descent reader for it, so that what dbt-core reads
//! statically, and only that, is read statically here.

use super::context::RefCall;
use serde_json::{Map, Value};

/// What a statically read model declares.
#[derive(Debug, Default, PartialEq)]
pub struct Extraction {
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    /// One map per `config()` keyword argument, in source order.
    pub configs: Vec<Map<String, Value>>,
}

/// Reads `src` as dbt-core's static parser does; `None` when dbt-core
/// would render it instead.
pub fn extract(src: &str) -> Option<Extraction> {
    let mut r = Reader {
        s: src.as_bytes(),
        i: 0,
    };
    let mut out = Extraction::default();
    while r.i < r.s.len() {
        if r.s[r.i] != b'{' {
            r.i += 1;
            continue;
        }
        match r.s.get(r.i + 1) {
            Some(b'{') => {
                r.i += 2;
                let e = r.expr()?;
                r.ws();
                if !r.eat(b"}}") {
                    return None;
                }
                collect(e, &mut out)?;
            }
            Some(b'#') => {
                let end = find(&r.s[r.i + 2..], b"#}")?;
                r.i += 2 + end + 2;
            }
            // A `{% %}` tag, or a lone `{` at the end of the text.
            Some(b'%') | None => return None,
            Some(_) => r.i += 1,
        }
    }
    Some(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Clone)]
enum Expr {
    Str(String),
    Bool(bool),
    /// Integer or float, as written.
    Num(String),
    List(Vec<Expr>),
    Dict(Vec<(String, Expr)>),
    Call(String, Vec<Arg>),
}

#[derive(Debug, Clone)]
enum Arg {
    Pos(Expr),
    Kw(String, Expr),
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, tok: &[u8]) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.ws();
        let start = self.i;
        match self.s.get(self.i) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => self.i += 1,
            _ => return None,
        }
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.i += 1;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// A quoted string, its text kept as written; `\'` (or `\"`) does not
    /// end it.
    fn string(&mut self) -> Option<String> {
        let q = self.peek()?;
        if q != b'\'' && q != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        loop {
            match self.s.get(self.i)? {
                b'\\' if self.s.get(self.i + 1) == Some(&q) => self.i += 2,
                c if *c == q => break,
                _ => self.i += 1,
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .to_string();
        self.i += 1;
        Some(text)
    }

    fn number(&mut self) -> Option<Expr> {
        self.ws();
        let start = self.i;
        if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
            self.i += 1;
        }
        let digits = |r: &mut Self| {
            let from = r.i;
            while r
                .s
                .get(r.i)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'_')
            {
                r.i += 1;
            }
            r.s[from..r.i].iter().any(u8::is_ascii_digit)
        };
        let whole = digits(self);
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) && !whole {
                return None;
            }
        } else if !whole {
            return None;
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        let text = String::from_utf8_lossy(&self.s[start..self.i]).replace('_', "");
        Some(Expr::Num(text))
    }

    /// Items separated by commas up to `close`, a trailing comma allowed.
    fn items<T>(
        &mut self,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        if self.eat(&[close]) {
            return Some(out);
        }
        if self.eat(b",") {
            return self.eat(&[close]).then_some(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat(&[close]) {
                return Some(out);
            }
            if !self.eat(b",") {
                return None;
            }
            if self.eat(&[close]) {
                return Some(out);
            }
        }
    }

    fn expr(&mut self) -> Option<Expr> {
        match self.peek()? {
            b'\'' | b'"' => self.string().map(Expr::Str),
            b'[' => {
                self.i += 1;
                self.items(b']', Self::expr).map(Expr::List)
            }
            b'{' => {
                self.i += 1;
                self.items(b'}', |r| {
                    let k = r.string()?;
                    r.eat(b":").then_some(())?;
                    Some((k, r.expr()?))
                })
                .map(Expr::Dict)
            }
            c if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') => self.number(),
            _ => {
                let name = self.ident()?;
                if self.eat(b"(") {
                    let args = self.items(b')', |r| {
                        let save = r.i;
                        if let Some(k) = r.ident() {
                            if r.peek() == Some(b'=') && r.s.get(r.i + 1) != Some(&b'=') {
                                r.i += 1;
                                return Some(Arg::Kw(k, r.expr()?));
                            }
                        }
                        r.i = save;
                        r.expr().map(Arg::Pos)
                    })?;
                    Some(Expr::Call(name, args))
                } else {
                    match name.as_str() {
                        "True" => Some(Expr::Bool(true)),
                        "False" => Some(Expr::Bool(false)),
                        _ => None,
                    }
                }
            }
        }
    }
}

/// Type-checks one `{{ }}` block as the extractor does and records what it
/// declares; `None` when the block makes the model unreadable statically.
fn collect(e: Expr, out: &mut Extraction) -> Option<()> {
    match e {
        Expr::Call(name, args) => {
            let mut seen_kw = false;
            for a in &args {
                match a {
                    Arg::Kw(..) => seen_kw = true,
                    Arg::Pos(_) if seen_kw => return None,
                    Arg::Pos(_) => {}
                }
            }
            match name.as_str() {
                "ref" => out.refs.push(read_ref(args)?),
                // dbt-core's static parser gives sources as a set: each once.
                "source" => {
                    let source = read_source(args)?;
                    if !out.sources.contains(&source) {
                        out.sources.push(source);
                    }
                }
                "config" => {
                    if args.is_empty() {
                        return None;
                    }
                    for a in args {
                        let Arg::Kw(k, v) = a else { return None };
                        if matches!(
                            k.as_str(),
                            "pre-hook" | "pre_hook" | "post-hook" | "post_hook"
                        ) {
                            return None;
                        }
                        let mut m = Map::new();
                        m.insert(k, config_value(v)?);
                        out.configs.push(m);
                    }
                }
                _ => return None,
            }
            Some(())
        }
        // Literals declare nothing, but calls nested in them must still be
        // well formed (and none may sit directly in a list).
        Expr::List(items) => items.into_iter().try_for_each(|i| match i {
            Expr::Call(..) => None,
            other => check(other),
        }),
        other => check(other),
    }
}

/// Whether a literal holds only well-typed calls (whose declarations the
/// extractor then ignores).
fn check(e: Expr) -> Option<()> {
    match e {
        Expr::Dict(pairs) => pairs.into_iter().try_for_each(|(_, v)| check(v)),
        Expr::List(items) => items.into_iter().try_for_each(|i| match i {
            Expr::Call(..) => None,
            other => check(other),
        }),
        Expr::Call(..) => collect(e, &mut Extraction::default()),
        _ => Some(()),
    }
}

fn read_ref(args: Vec<Arg>) -> Option<RefCall> {
    let mut it = args.into_iter().peekable();
    let Some(Arg::Pos(Expr::Str(first))) = it.next() else {
        return None;
    };
    let second = match it.peek() {
        Some(Arg::Pos(Expr::Str(s))) => {
            let s = s.clone();
            it.next();
            Some(s)
        }
        _ => None,
    };
    let version = match it.next() {
        None => None,
        Some(Arg::Kw(k, v)) if k == "v" || k == "version" => match v {
            Expr::Str(s) | Expr::Num(s) => Some(s),
            _ => return None,
        },
        Some(_) => return None,
    };
    if it.next().is_some() {
        return None;
    }
    let (package, name) = match second {
        Some(name) => (Some(first), name),
        None => (None, first),
    };
    Some(RefCall {
        package,
        name,
        version,
    })
}

fn read_source(args: Vec<Arg>) -> Option<(String, String)> {
    let [a, b]: [Arg; 2] = args.try_into().ok()?;
    let one = |a: Arg, kw: &str| match a {
        Arg::Pos(Expr::Str(s)) => Some(s),
        Arg::Kw(k, Expr::Str(s)) if k == kw => Some(s),
        _ => None,
    };
    Some((one(a, "source_name")?, one(b, "table_name")?))
}

fn config_value(e: Expr) -> Option<Value> {
    Some(match e {
        Expr::Str(s) => Value::String(s),
        Expr::Bool(b) => Value::Bool(b),
        Expr::List(items) => {
            Value::Array(items.into_iter().map(config_value).collect::<Option<_>>()?)
        }
        Expr::Dict(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| Some((k, config_value(v)?)))
                .collect::<Option<_>>()?,
        ),
        Expr::Num(..) | Expr::Call(..) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_source_named_twice_is_listed_once() {
        let e = extract(
            "select * from {{ source('s', 't') }} join {{ source('s', 'u') }} \
             join {{ source('s', 't') }}",
        )
        .unwrap();
        assert_eq!(
            e.sources,
            vec![("s".into(), "t".into()), ("s".into(), "u".into())]
        );
    }

    fn configs(src: &str) -> Option<Vec<Value>> {
        extract(src).map(|e| e.configs.into_iter().map(Value::Object).collect())
    }

    #[test]
    fn reads_calls_with_literal_arguments() {
        let e = extract(
            "{{ config(materialized='view', tags=['a', \"b\"], meta={'k': True},) }}\n\
             {# a comment with {{ var('x') }} #}\n\
             select * from {{ ref('pkg', 'm', v=2) }} join {{ source('s', table_name='t') }}\n\
             where x = '{' and y = {{ 'lit' }}",
        )
        .unwrap();
        assert_eq!(
            e.refs,
            vec![RefCall {
                package: Some("pkg".into()),
                name: "m".into(),
                version: Some("2".into())
            }]
        );
        assert_eq!(e.sources, vec![("s".into(), "t".into())]);
        assert_eq!(
            e.configs.into_iter().map(Value::Object).collect::<Vec<_>>(),
            vec![
                json!({"materialized": "view"}),
                json!({"tags": ["a", "b"]}),
                json!({"meta": {"k": true}})
            ]
        );
    }

    #[test]
    fn strings_keep_their_escapes() {
        assert_eq!(
            configs(r"{{ config(description='a\nb', alias='it\'s') }}"),
            Some(vec![
                json!({"description": r"a\nb"}),
                json!({"alias": r"it\'s"})
            ])
        );
    }

    #[test]
    fn anything_else_is_rendered() {
        for src in [
            "{% if is_incremental() %} x {% endif %}",
            "{{ var('x') }}",
            "{{ dbt_utils.star(ref('a')) }}",
            "{{ this }}",
            "{{- ref('a') }}",
            "{{ ref('a') | upper }}",
            "{{ config(post_hook='select 1') }}",
            "{{ config(limit=3) }}",
            "{{ config(x=none) }}",
            "{{ config('view') }}",
            "{{ config() }}",
            "{{ ref(name='a') }}",
            "{{ ref('a', 'b', 'c') }}",
            "{{ source('s') }}",
            "{{ [ref('a')] }}",
            "{{ ref('a', v=2, 'b') }}",
            "select '{",
            "{{ ref('a') }",
        ] {
            assert_eq!(extract(src), None, "{src}");
        }
        assert!(extract("{{ {'a': ref('x')} }}").unwrap().refs.is_empty());
        assert!(extract("{{ 1.5e3 }} {{ -2 }} {{ [] }} {{ {} }}").is_some());
    }
}
