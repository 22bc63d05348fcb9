//! Shell-style wildcard matching with the exact rules of Python's `fnmatch`
//! (POSIX, case-sensitive) and the `pathlib.Path.glob` rules used by `path:`.

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters, including `/`, `.` and newlines.
    Star,
    /// `?`: exactly one character.
    Any,
    /// A literal character.
    Literal(char),
    /// `[...]` / `[!...]`: one character in (or not in) a set of ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// A compiled `fnmatch` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// Compiles a pattern following `fnmatch.translate`: `*`, `?`, `[seq]`,
    /// `[!seq]`; an unclosed `[` is a literal; backslash is not an escape.
    pub fn new(pattern: &str) -> Pattern {
        let chars: Vec<char> = pattern.chars().collect();
        let n = chars.len();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < n {
            let c = chars[i];
            i += 1;
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '[' => {
                    let mut j = i;
                    if j < n && chars[j] == '!' {
                        j += 1;
                    }
                    if j < n && chars[j] == ']' {
                        j += 1;
                    }
                    while j < n && chars[j] != ']' {
                        j += 1;
                    }
                    if j >= n {
                        tokens.push(Token::Literal('['));
                    } else {
                        tokens.push(parse_class(&chars[i..j]));
                        i = j + 1;
                    }
                }
                other => tokens.push(Token::Literal(other)),
            }
        }
        Pattern { tokens }
    }

    /// True when the whole of `text` matches the pattern.
    pub fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_tokens(&self.tokens, &chars)
    }
}

/// Parses the inside of a bracket expression (without the brackets).
fn parse_class(body: &[char]) -> Token {
    let (negated, items) = match body.first() {
        Some('!') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut ranges = Vec::new();
    let mut p = 0;
    while p < items.len() {
        let c = items[p];
        if p + 2 < items.len() && items[p + 1] == '-' {
            let hi = items[p + 2];
            // Python drops reversed ranges (both endpoints) entirely.
            if c <= hi {
                ranges.push((c, hi));
            }
            p += 3;
        } else {
            ranges.push((c, c));
            p += 1;
        }
    }
    Token::Class { negated, ranges }
}

fn token_matches_char(token: &Token, c: char) -> bool {
    match token {
        Token::Star => true,
        Token::Any => true,
        Token::Literal(l) => *l == c,
        Token::Class { negated, ranges } => {
            let inside = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
            inside != *negated
        }
    }
}

/// Iterative wildcard matching with single-star backtracking (linear in
/// practice, no recursion).
fn match_tokens(tokens: &[Token], text: &[char]) -> bool {
    let (mut t, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        if t < tokens.len() {
            match &tokens[t] {
                Token::Star => {
                    star = Some((t, s));
                    t += 1;
                    continue;
                }
                tok if token_matches_char(tok, text[s]) => {
                    t += 1;
                    s += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((st, ss)) => {
                t = st + 1;
                s = ss + 1;
                star = Some((st, ss + 1));
            }
            None => return false,
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}

/// `fnmatch.fnmatch(name, pattern)` on POSIX.
pub fn fnmatch(name: &str, pattern: &str) -> bool {
    Pattern::new(pattern).matches(name)
}

/// True when a selector part contains a character that makes the fqn
/// matcher switch to wildcard mode.
pub fn has_wildcard(part: &str) -> bool {
    part.contains(['*', '?', '[', ']'])
}

/// Splits a relative POSIX path into its components the way `pathlib`
/// normalises it: empty and `.` components are dropped.
pub fn path_parts(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect()
}

/// The last component of a path (`PurePath.name`).
pub fn path_name(path: &str) -> &str {
    path_parts(path).last().copied().unwrap_or("")
}

/// `PurePath.stem`: the name without its last suffix.
pub fn path_stem(path: &str) -> &str {
    let name = path_name(path);
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => &name[..i],
        _ => name,
    }
}

/// A compiled `pathlib.Path.glob` pattern (Python 3.11 rules).
#[derive(Debug, Clone)]
pub struct GlobPattern {
    parts: Vec<GlobPart>,
}

#[derive(Debug, Clone)]
enum GlobPart {
    /// `**`: this directory and every directory below it.
    Recursive,
    /// A literal component, compared exactly.
    Literal(String),
    /// A component with wildcards.
    Wild(Pattern),
}

/// Why a `path:` pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobError {
    /// An absolute pattern (pathlib: "Non-relative patterns are unsupported").
    Absolute,
    /// A pattern with no components (pathlib: "Unacceptable pattern").
    Empty,
    /// `**` mixed with other characters in one component.
    InvalidRecursive,
}

impl GlobPattern {
    /// Compiles a relative glob pattern.
    pub fn new(pattern: &str) -> Result<GlobPattern, GlobError> {
        if pattern.starts_with('/') {
            return Err(GlobError::Absolute);
        }
        let raw = path_parts(pattern);
        if raw.is_empty() {
            return Err(GlobError::Empty);
        }
        let mut parts = Vec::with_capacity(raw.len());
        for part in raw {
            if part == "**" {
                parts.push(GlobPart::Recursive);
            } else if part.contains("**") {
                return Err(GlobError::InvalidRecursive);
            } else if part.contains(['*', '?', '[']) {
                parts.push(GlobPart::Wild(Pattern::new(part)));
            } else {
                parts.push(GlobPart::Literal(part.to_string()));
            }
        }
        Ok(GlobPattern { parts })
    }

    /// True when the existing path made of `components` (a directory when
    /// `is_dir`) would be yielded by `root.glob(pattern)`.
    pub fn matches(&self, components: &[&str], is_dir: bool) -> bool {
        glob_match(&self.parts, components, is_dir)
    }
}

fn glob_match(parts: &[GlobPart], comps: &[&str], is_dir: bool) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return comps.is_empty();
    };
    match first {
        GlobPart::Recursive => {
            // `**` matches zero or more directories; a trailing `**` yields
            // directories only. Every component it consumes is an ancestor of
            // the candidate path, hence a directory.
            if rest.is_empty() {
                return is_dir;
            }
            (0..=comps.len()).any(|consumed| glob_match(rest, &comps[consumed..], is_dir))
        }
        GlobPart::Literal(lit) => match comps.split_first() {
            Some((c, crest)) if c == lit => glob_match(rest, crest, is_dir),
            _ => false,
        },
        GlobPart::Wild(p) => match comps.split_first() {
            Some((c, crest)) if p.matches(c) => glob_match(rest, crest, is_dir),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question() {
        assert!(fnmatch("stg_a", "stg_*"));
        assert!(fnmatch("stg_a", "*"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("", "?"));
        assert!(fnmatch("a/b.c", "a*c"));
        assert!(fnmatch("stg_a", "stg_?"));
        assert!(!fnmatch("stg_ab", "stg_?"));
        assert!(fnmatch("abcabc", "*abc"));
        assert!(fnmatch("aXbXc", "a*b*c"));
        assert!(!fnmatch("aXbXd", "a*b*c"));
        assert!(fnmatch("line\nbreak", "line*"));
    }

    #[test]
    fn case_sensitive() {
        assert!(!fnmatch("STG", "stg"));
        assert!(fnmatch("stg", "stg"));
    }

    #[test]
    fn classes() {
        assert!(fnmatch("stg_a", "stg_[ab]"));
        assert!(!fnmatch("stg_c", "stg_[ab]"));
        assert!(fnmatch("stg_c", "stg_[!ab]"));
        assert!(!fnmatch("stg_a", "stg_[!ab]"));
        assert!(fnmatch("x5", "x[0-9]"));
        assert!(!fnmatch("xa", "x[0-9]"));
        assert!(fnmatch("]", "[]]"));
        assert!(fnmatch("-", "[a-]"));
        assert!(fnmatch("a", "[a-]"));
        assert!(fnmatch("-", "[!]a]"));
        assert!(!fnmatch("a", "[!]a]"));
        // reversed range never matches
        assert!(!fnmatch("b", "[z-a]"));
        // negated reversed range matches anything
        assert!(fnmatch("q", "[!z-a]"));
        // range followed by a literal dash
        assert!(fnmatch("-", "[a-b-c]"));
        assert!(fnmatch("c", "[a-b-c]"));
        assert!(!fnmatch("d", "[a-b-c]"));
        // `[c-a-e]`: empty range dropped, then `-` and `e`
        assert!(fnmatch("-", "[c-a-e]"));
        assert!(fnmatch("e", "[c-a-e]"));
        assert!(!fnmatch("d", "[c-a-e]"));
    }

    #[test]
    fn unclosed_bracket_is_literal() {
        assert!(fnmatch("[ab", "[ab"));
        assert!(fnmatch("a[", "a["));
        assert!(!fnmatch("a", "[a"));
        assert!(fnmatch("[!]", "[!]"));
        assert!(fnmatch("a\\b", "a\\b"));
    }

    #[test]
    fn names_and_stems() {
        assert_eq!(path_name("models/a.sql"), "a.sql");
        assert_eq!(path_name(""), "");
        assert_eq!(path_stem("models/a.b.sql"), "a.b");
        assert_eq!(path_stem(".hidden"), ".hidden");
        assert_eq!(path_stem("x."), "x.");
        assert_eq!(path_parts("./models//a/"), vec!["models", "a"]);
    }

    #[test]
    fn globs() {
        let g = GlobPattern::new("models/staging").expect("valid");
        assert!(g.matches(&["models", "staging"], true));
        assert!(!g.matches(&["models"], true));
        let g = GlobPattern::new("models/**").expect("valid");
        assert!(g.matches(&["models"], true));
        assert!(g.matches(&["models", "a"], true));
        assert!(!g.matches(&["models", "a.sql"], false));
        let g = GlobPattern::new("models/**/*.sql").expect("valid");
        assert!(g.matches(&["models", "a.sql"], false));
        assert!(g.matches(&["models", "x", "y", "a.sql"], false));
        assert!(!g.matches(&["seeds", "a.sql"], false));
        let g = GlobPattern::new("models/*").expect("valid");
        assert!(g.matches(&["models", "x"], true));
        assert!(!g.matches(&["models", "x", "y"], true));
        assert!(GlobPattern::new("/abs").is_err());
        assert!(GlobPattern::new(".").is_err());
        assert!(GlobPattern::new("a**").is_err());
    }
}
