//! Syntax highlighting of SQL with Jinja, as escaped HTML spans.
//!
//! Raw dbt SQL is not SQL until Jinja has run, so a SQL parser cannot read
//! it; this scanner only needs to find comments, Jinja tags, strings,
//! numbers and keywords, and never fails on any input.

const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "cast",
    "coalesce",
    "create",
    "cross",
    "current_date",
    "current_timestamp",
    "delete",
    "desc",
    "distinct",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "filter",
    "from",
    "full",
    "group",
    "having",
    "if",
    "ilike",
    "in",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "join",
    "lateral",
    "left",
    "like",
    "limit",
    "merge",
    "not",
    "null",
    "nulls",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "over",
    "partition",
    "qualify",
    "recursive",
    "replace",
    "right",
    "rows",
    "select",
    "set",
    "table",
    "then",
    "true",
    "union",
    "update",
    "using",
    "values",
    "view",
    "when",
    "where",
    "window",
    "with",
];

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn span(out: &mut String, class: &str, s: &str) {
    out.push_str("<span class=\"tok-");
    out.push_str(class);
    out.push_str("\">");
    escape_into(out, s);
    out.push_str("</span>");
}

/// End (exclusive) of a region that starts at `start` with `open` and ends
/// after `close`, or the end of the text.
fn until(text: &str, start: usize, open: &str, close: &str) -> usize {
    text[start + open.len()..]
        .find(close)
        .map_or(text.len(), |i| start + open.len() + i + close.len())
}

/// Highlights SQL with Jinja as HTML.
pub fn sql(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let b = text.as_bytes();
    let mut i = 0;
    let mut plain = 0;
    while i < b.len() {
        let rest = &text[i..];
        let (class, end) = if rest.starts_with("{#") {
            ("comment", until(text, i, "{#", "#}"))
        } else if rest.starts_with("{{") {
            ("jinja", until(text, i, "{{", "}}"))
        } else if rest.starts_with("{%") {
            ("jinja", until(text, i, "{%", "%}"))
        } else if rest.starts_with("--") {
            (
                "comment",
                text[i..].find('\n').map_or(text.len(), |n| i + n),
            )
        } else if rest.starts_with("/*") {
            ("comment", until(text, i, "/*", "*/"))
        } else if b[i] == b'\'' {
            ("string", until(text, i, "'", "'"))
        } else if b[i] == b'"' {
            ("ident", until(text, i, "\"", "\""))
        } else if b[i].is_ascii_digit() && (i == 0 || !is_word(b[i - 1])) {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            ("number", j)
        } else if is_word(b[i]) && (i == 0 || !is_word(b[i - 1])) {
            let mut j = i;
            while j < b.len() && is_word(b[j]) {
                j += 1;
            }
            let word = text[i..j].to_ascii_lowercase();
            if KEYWORDS.binary_search(&word.as_str()).is_ok() {
                ("keyword", j)
            } else {
                i = j;
                continue;
            }
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        escape_into(&mut out, &text[plain..i]);
        span(&mut out, class, &text[i..end]);
        i = end;
        plain = end;
    }
    escape_into(&mut out, &text[plain..]);
    out
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        let mut k = KEYWORDS.to_vec();
        k.sort();
        assert_eq!(k, KEYWORDS);
    }

    #[test]
    fn spans_for_each_kind_and_text_is_escaped() {
        let html = sql("select a<1, 'x' -- c\nfrom {{ ref('o') }} {# n #} where \"Q\" = 2");
        assert_eq!(
            html,
            "<span class=\"tok-keyword\">select</span> a&lt;<span class=\"tok-number\">1</span>, \
             <span class=\"tok-string\">&#39;x&#39;</span> <span class=\"tok-comment\">-- c</span>\n\
             <span class=\"tok-keyword\">from</span> <span class=\"tok-jinja\">{{ ref(&#39;o&#39;) }}</span> \
             <span class=\"tok-comment\">{# n #}</span> <span class=\"tok-keyword\">where</span> \
             <span class=\"tok-ident\">&quot;Q&quot;</span> = <span class=\"tok-number\">2</span>"
        );
    }

    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn highlighting_keeps_every_character() {
        for text in [
            "{{ ref(",
            "'open",
            "/* c",
            "é select ü",
            "x1 1x",
            "a -- b",
            "{% if %}<&>",
        ] {
            assert_eq!(text_of(&sql(text)), text);
        }
        assert_eq!(sql("x1"), "x1");
    }
}
