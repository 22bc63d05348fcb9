//! SQL text helpers: dbt's ephemeral CTE injection.

/// Skips whitespace and comments from `i`; returns the next significant offset.
fn skip_trivia(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i + 1 < b.len() && b[i] == b'-' && b[i + 1] == b'-' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if i + 1 < b.len() && b[i] == b'/' && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            return i;
        }
    }
}

fn word_at(b: &[u8], i: usize) -> &[u8] {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
        j += 1;
    }
    &b[i..j]
}

/// Offset just past the first top-level `with` (or `with recursive`) keyword, if any.
fn find_with(sql: &str) -> Option<usize> {
    let b = sql.as_bytes();
    let mut i = 0;
    let mut depth = 0i32;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    i += 1;
                }
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_trivia(b, i);
                continue;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            _ if depth == 0 && (c.is_ascii_alphabetic() || c == b'_') => {
                let w = word_at(b, i);
                let prev_ok = i == 0
                    || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
                let end = i + w.len();
                if prev_ok && w.eq_ignore_ascii_case(b"with") {
                    let j = skip_trivia(b, end);
                    let next = word_at(b, j);
                    if next.eq_ignore_ascii_case(b"recursive") {
                        return Some(j + next.len());
                    }
                    return Some(end);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// dbt's `inject_ctes_into_sql`: prepend ` __dbt__cte__x as (\n...\n)` entries
/// to the statement's `with`, or add one.
pub fn inject_ctes(sql: &str, ctes: &[(String, String)]) -> String {
    if ctes.is_empty() {
        return sql.to_string();
    }
    let joined = ctes
        .iter()
        .map(|c| c.1.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match find_with(sql) {
        Some(after) => {
            // sqlparse inserts before the next significant token, after the whitespace.
            let b = sql.as_bytes();
            let mut next = after;
            while next < b.len() && b[next].is_ascii_whitespace() {
                next += 1;
            }
            format!("{}{}, {}", &sql[..next], joined, &sql[next..])
        }
        None => {
            let first = sql.len() - sql.trim_start().len();
            format!("{}with{} {}", &sql[..first], joined, &sql[first..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctes() -> Vec<(String, String)> {
        vec![(
            "model.p.a".into(),
            " __dbt__cte__a as (\nselect 1\n)".into(),
        )]
    }

    #[test]
    fn adds_with_when_missing() {
        assert_eq!(
            inject_ctes("\n\nselect * from __dbt__cte__a", &ctes()),
            "\n\nwith __dbt__cte__a as (\nselect 1\n) select * from __dbt__cte__a"
        );
    }

    #[test]
    fn extends_existing_with() {
        assert_eq!(
            inject_ctes("with b as (select 2) select * from b", &ctes()),
            "with  __dbt__cte__a as (\nselect 1\n), b as (select 2) select * from b"
        );
        assert_eq!(find_with("select '(with' from x"), None);
        assert_eq!(find_with("select (with x as (select 1) select 1)"), None);
    }
}
