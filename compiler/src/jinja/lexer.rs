//! A small scanner over Jinja source: finds dbt's top-level blocks
//! (`macro`, `test`, `docs`, `snapshot`, `materialization`) and rewrites
//! list and dict literals so that templates get dbt's mutable containers.
//!
//! Jinja2 lists and dicts are mutable (`{% do cols.append(c) %}` is everywhere
//! in dbt packages); minijinja's are not. Rewriting `[..]` to `__tl([..])` and
//! `{..}` to `__td({..})` inside tags hands the template our own mutable
//! objects while leaving every offset-bearing line in place.

/// Kind of a top-level dbt block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Macro,
    Test,
    Docs,
    Snapshot,
    Materialization,
}

impl BlockKind {
    fn from_word(w: &str) -> Option<(BlockKind, bool)> {
        Some(match w {
            "macro" => (BlockKind::Macro, false),
            "endmacro" => (BlockKind::Macro, true),
            "test" => (BlockKind::Test, false),
            "endtest" => (BlockKind::Test, true),
            "docs" => (BlockKind::Docs, false),
            "enddocs" => (BlockKind::Docs, true),
            "snapshot" => (BlockKind::Snapshot, false),
            "endsnapshot" => (BlockKind::Snapshot, true),
            "materialization" => (BlockKind::Materialization, false),
            "endmaterialization" => (BlockKind::Materialization, true),
            _ => return None,
        })
    }
}

/// One top-level block with its byte ranges in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Name after the keyword (`my_macro`, `orders_snapshot`, ...).
    pub name: String,
    /// Offset of the opening `{%`.
    pub start: usize,
    /// Offset of the keyword in the opening tag.
    pub keyword_start: usize,
    /// Offset just past the opening tag's `%}`.
    pub body_start: usize,
    /// Offset of the closing tag's `{%`.
    pub body_end: usize,
    /// Offset of the keyword in the closing tag.
    pub end_keyword_start: usize,
    /// Offset just past the closing tag's `%}`.
    pub end: usize,
}

/// A scanning error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub message: String,
    pub offset: usize,
}

struct Tag<'a> {
    start: usize,
    word: &'a str,
    word_start: usize,
    rest_start: usize,
    end: usize,
}

/// Finds the end of a `{% ... %}` tag starting at `start`, skipping strings.
fn tag_end(src: &str, start: usize, close: &[u8; 2]) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = start + 2;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else if c == b'\'' || c == b'"' {
            quote = Some(c);
        } else if c == close[0] && i + 1 < b.len() && b[i + 1] == close[1] {
            return Some(i + 2);
        }
        i += 1;
    }
    None
}

fn read_tag(src: &str, start: usize) -> Result<Tag<'_>, ScanError> {
    let end = tag_end(src, start, b"%}").ok_or_else(|| ScanError {
        message: "unclosed block tag: expected '%}'".into(),
        offset: start,
    })?;
    let b = src.as_bytes();
    let mut i = start + 2;
    if i < end && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    while i < end && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let word_start = i;
    while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    Ok(Tag {
        start,
        word: &src[word_start..i],
        word_start,
        rest_start: i,
        end,
    })
}

/// Skips a `{# ... #}` comment at `i`, returning the offset after it.
fn skip_comment(src: &str, i: usize) -> Result<usize, ScanError> {
    src[i + 2..]
        .find("#}")
        .map(|p| i + 2 + p + 2)
        .ok_or_else(|| ScanError {
            message: "unclosed comment: expected '#}'".into(),
            offset: i,
        })
}

/// Skips past `{% endraw %}` given the end of a `{% raw %}` tag.
fn skip_raw(src: &str, from: usize, raw_start: usize) -> Result<usize, ScanError> {
    let mut i = from;
    while let Some(p) = src[i..].find("{%") {
        let at = i + p;
        let tag = read_tag(src, at)?;
        if tag.word == "endraw" {
            return Ok(tag.end);
        }
        i = tag.end;
    }
    Err(ScanError {
        message: "unclosed raw block: expected '{% endraw %}'".into(),
        offset: raw_start,
    })
}

/// Lists the top-level dbt blocks of a file.
pub fn scan_blocks(src: &str) -> Result<Vec<Block>, ScanError> {
    let mut out = Vec::new();
    let mut open: Option<(BlockKind, String, usize, usize, usize)> = None;
    let mut i = 0;
    let b = src.as_bytes();
    while i + 1 < b.len() {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'#' => i = skip_comment(src, i)?,
            b'%' => {
                let tag = read_tag(src, i)?;
                if tag.word == "raw" {
                    i = skip_raw(src, tag.end, tag.start)?;
                    continue;
                }
                if let Some((kind, is_end)) = BlockKind::from_word(tag.word) {
                    match (&open, is_end) {
                        (None, false) => {
                            let rest = src[tag.rest_start..tag.end - 2].trim_start();
                            let name: String = rest
                                .chars()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect();
                            if name.is_empty() {
                                return Err(ScanError {
                                    message: format!("expected a name after '{}'", tag.word),
                                    offset: tag.rest_start,
                                });
                            }
                            open = Some((kind, name, tag.start, tag.word_start, tag.end));
                        }
                        (Some((okind, _, _, _, _)), true) if *okind == kind => {
                            let (kind, name, start, kw, body_start) =
                                open.take().expect("checked above");
                            out.push(Block {
                                kind,
                                name,
                                start,
                                keyword_start: kw,
                                body_start,
                                body_end: tag.start,
                                end_keyword_start: tag.word_start,
                                end: tag.end,
                            });
                        }
                        (Some((okind, oname, ..)), _)
                            if kind == BlockKind::Docs || *okind != BlockKind::Docs =>
                        {
                            return Err(ScanError {
                                message: format!(
                                    "unexpected '{}' inside {:?} block '{}'",
                                    tag.word, okind, oname
                                )
                                .to_lowercase(),
                                offset: tag.start,
                            });
                        }
                        (None, true) => {
                            return Err(ScanError {
                                message: format!("'{}' without an opening block", tag.word),
                                offset: tag.start,
                            })
                        }
                        _ => {}
                    }
                }
                i = tag.end;
            }
            _ => i += 1,
        }
    }
    if let Some((kind, name, start, ..)) = open {
        return Err(ScanError {
            message: format!("{kind:?} block '{name}' is never closed").to_lowercase(),
            offset: start,
        });
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Paren,
    Subscript,
    List,
    Dict,
}

const NON_OPERAND_WORDS: &[&str] = &[
    "in", "not", "and", "or", "is", "if", "else", "elif", "for", "set", "do", "return", "with",
    "import", "from", "as", "call", "filter", "macro", "print",
];

/// Rewrites list and dict literals inside tags to `__tl([..])` / `__td({..})`.
/// Text outside tags, comments and raw blocks is left as is.
pub fn rewrite_literals(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len() + 64);
    let mut i = 0;
    let mut copied = 0;
    let mut arithmetic = false;
    while i + 1 < b.len() {
        if b[i] != b'{' {
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'#' => match skip_comment(src, i) {
                Ok(e) => i = e,
                Err(_) => break,
            },
            b'%' | b'{' => {
                let is_stmt = b[i + 1] == b'%';
                if is_stmt {
                    if let Ok(tag) = read_tag(src, i) {
                        if tag.word == "raw" {
                            match skip_raw(src, tag.end, tag.start) {
                                Ok(e) => {
                                    i = e;
                                    continue;
                                }
                                Err(_) => break,
                            }
                        }
                    }
                }
                let body_start = i + 2;
                out.push_str(&src[copied..body_start]);
                let end = rewrite_expr(src, body_start, is_stmt, &mut arithmetic, &mut out);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&src[copied..]);
    if arithmetic {
        // `+` and `-` between operands: routed through `__binop` for
        // `datetime` arithmetic.
        return super::arith::rewrite(&out);
    }
    out
}

/// Rewrites one tag body from `start` onto `out`; returns the offset where
/// copying resumes (just after the closing delimiter).
/// `arithmetic` is set when a `+` or `-` follows an operand.
fn rewrite_expr(
    src: &str,
    start: usize,
    is_stmt: bool,
    arithmetic: &mut bool,
    out: &mut String,
) -> usize {
    let b = src.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let mut operand = false;
    let mut i = start;
    let closer = if is_stmt { b'%' } else { b'}' };
    while i < b.len() {
        let c = b[i];
        if stack.is_empty() {
            // closing delimiter, optionally with whitespace control
            let j = if (c == b'-' || c == b'+') && i + 1 < b.len() && b[i + 1] == closer {
                i + 1
            } else {
                i
            };
            if b[j] == closer && j + 1 < b.len() && b[j + 1] == b'}' {
                out.push_str(&src[i..j + 2]);
                return j + 2;
            }
        }
        match c {
            b'\'' | b'"' => {
                let mut k = i + 1;
                while k < b.len() && b[k] != c {
                    if b[k] == b'\\' {
                        k += 1;
                    }
                    k += 1;
                }
                let k = (k + 1).min(b.len());
                out.push_str(&src[i..k]);
                i = k;
                operand = true;
                continue;
            }
            b'[' => {
                if operand {
                    stack.push(Open::Subscript);
                    out.push('[');
                } else {
                    stack.push(Open::List);
                    out.push_str("__tl([");
                }
                operand = false;
            }
            b'{' => {
                stack.push(Open::Dict);
                out.push_str("__td({");
                operand = false;
            }
            b'(' => {
                stack.push(Open::Paren);
                out.push('(');
                operand = false;
            }
            b')' | b']' | b'}' => {
                match stack.pop() {
                    Some(Open::List) => out.push_str("])"),
                    Some(Open::Dict) => out.push_str("})"),
                    _ => out.push(c as char),
                }
                operand = true;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &src[s..i];
                out.push_str(word);
                operand = !NON_OPERAND_WORDS.contains(&word);
                continue;
            }
            c if c.is_ascii_whitespace() => out.push(c as char),
            _ => {
                // any other operator or punctuation; copy the full UTF-8 char
                let ch = src[i..].chars().next().unwrap_or(' ');
                if operand && (ch == '+' || ch == '-') {
                    *arithmetic = true;
                }
                if ch == '+' && !operand && i > start {
                    // Unary plus (`interval=+1`), which Jinja2 reads and
                    // minijinja does not: it leaves a number as it is, so
                    // it becomes a space. A `+` right after the opening
                    // delimiter is whitespace control and stays.
                    out.push(' ');
                } else {
                    out.push(ch);
                }
                i += ch.len_utf8();
                operand = false;
                continue;
            }
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_macros_and_tests() {
        let src = "{% macro a(x) %}A{% endmacro %}\n{# {% macro no() %} #}\n{%- test t(model) -%}T{%- endtest %}";
        let blocks = scan_blocks(src).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].name, "a");
        assert_eq!(&src[blocks[0].body_start..blocks[0].body_end], "A");
        assert_eq!(blocks[1].kind, BlockKind::Test);
        assert_eq!(blocks[1].name, "t");
        assert_eq!(&src[blocks[1].body_start..blocks[1].body_end], "T");
    }

    #[test]
    fn unclosed_macro_is_an_error_with_offset() {
        let err = scan_blocks("x\n{% macro a() %}A").unwrap_err();
        assert_eq!(err.offset, 2);
    }

    #[test]
    fn raw_blocks_are_skipped() {
        let src = "{% raw %}{% macro a() %}{% endraw %}";
        assert!(scan_blocks(src).unwrap().is_empty());
        assert_eq!(
            rewrite_literals("{% raw %}{{ [1] }}{% endraw %}"),
            "{% raw %}{{ [1] }}{% endraw %}"
        );
    }

    #[test]
    fn rewrites_literals_but_not_subscripts() {
        assert_eq!(
            rewrite_literals("{% set x = [] %}{{ y[0] }}{{ {'a': [1]}['a'] }}"),
            "{% set x = __tl([]) %}{{ y[0] }}{{ __td({'a': __tl([1])})['a'] }}"
        );
        assert_eq!(
            rewrite_literals("{%- for a in [1, 2] -%}{{ a }}{%- endfor %} {{ 'x]' }}"),
            "{%- for a in __tl([1, 2]) -%}{{ a }}{%- endfor %} {{ 'x]' }}"
        );
        assert_eq!(
            rewrite_literals("{{ {'a': {'b': 1}} }}"),
            "{{ __td({'a': __td({'b': 1})}) }}"
        );
        assert_eq!(rewrite_literals("plain {text} [x]"), "plain {text} [x]");
    }

    #[test]
    fn unary_plus_becomes_a_space() {
        assert_eq!(
            rewrite_literals("{% set x = +1 %}{{ f(interval=+1, b=[+2]) }}{{ -+1 }}"),
            "{% set x =  1 %}{{ f(interval= 1, b=__tl([ 2])) }}{{ - 1 }}"
        );
        assert_eq!(
            rewrite_literals("{{ not +x }}{{ (+1) }}{% if +y %}{% endif %}"),
            "{{ not  x }}{{ ( 1) }}{% if  y %}{% endif %}"
        );
        // Binary plus stays binary (a call, for `datetime` arithmetic);
        // strings, text and whitespace control are left alone.
        assert_eq!(
            rewrite_literals("{{ a + 1 }}{{ (a) +1 }}{{ x[0] + 'b' }}"),
            "{{ __binop(\"+\", a , 1) }}{{ __binop(\"+\", (a) ,1) }}{{ __binop(\"+\", x[0] , 'b') }}"
        );
        for src in [
            "{{ '+1' }}{{ \"a + +b\" }} +1 {# +1 #}",
            "{%+ if x +%}{%+ endif %}{{+ 1 +}}",
        ] {
            assert_eq!(rewrite_literals(src), src);
        }
    }
}
