//! Search over every resource: names, descriptions, columns, tags and SQL.
//!
//! The index keeps one lowercased text per field; a query is split into
//! words, every word must occur in some field, and the fields a word hits
//! decide the rank (a name beats a column, a column beats SQL text). A scan
//! of 10,000 resources is a few milliseconds of `str::find`, so there is no
//! inverted index to build or to keep in memory.

use crate::model::Resource;
use serde_json::Value;

/// Fields in rank order, with their weights.
pub const FIELDS: &[(&str, u32)] = &[
    ("name", 100),
    ("id", 40),
    ("tags", 30),
    ("columns", 20),
    ("description", 15),
    ("sql", 5),
];

struct Entry {
    fields: [String; 6],
    /// Lower ranks for resources that are rarely what one looks for.
    penalty: u32,
}

pub struct SearchIndex {
    entries: Vec<Entry>,
}

/// One result: the resource and the best field it matched in.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub index: usize,
    pub field: &'static str,
    pub score: u32,
}

fn column_text(r: &Resource, catalog: &Value) -> String {
    let mut out = String::new();
    for (name, description) in &r.columns {
        out.push_str(name);
        out.push(' ');
        out.push_str(description);
        out.push('\n');
    }
    for name in crate::model::catalog_columns(catalog, &r.id).keys() {
        out.push_str(name);
        out.push('\n');
    }
    out.to_lowercase()
}

impl SearchIndex {
    pub fn new(resources: &[Resource], catalog: &Value) -> SearchIndex {
        let entries = resources
            .iter()
            .map(|r| {
                let tags = r.tags.join(" ");
                let sql = r.code.as_deref().unwrap_or("");
                let penalty = match r.kind.as_str() {
                    "macro" if r.package == "dbt" || r.package.starts_with("dbt_") => 60,
                    "test" => 80,
                    _ => 0,
                };
                Entry {
                    fields: [
                        r.label().to_lowercase(),
                        r.id.to_lowercase(),
                        tags.to_lowercase(),
                        column_text(r, catalog),
                        r.description.to_lowercase(),
                        sql.to_lowercase(),
                    ],
                    penalty,
                }
            })
            .collect();
        SearchIndex { entries }
    }

    /// The best `limit` resources for a query, best first.
    pub fn query(&self, query: &str, limit: usize) -> Vec<Hit> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = Vec::new();
        'entries: for (i, e) in self.entries.iter().enumerate() {
            let mut score = 0;
            let mut best: Option<usize> = None;
            for w in &words {
                let Some(f) = e.fields.iter().position(|f| f.contains(w.as_str())) else {
                    continue 'entries;
                };
                score += FIELDS[f].1;
                best = Some(best.map_or(f, |b| b.min(f)));
            }
            let name = &e.fields[0];
            if words.len() == 1 && name == &words[0] {
                score += 200;
            } else if name.starts_with(words[0].as_str()) {
                score += 50;
            }
            hits.push(Hit {
                index: i,
                field: FIELDS[best.unwrap_or(0)].0,
                score: score.saturating_sub(e.penalty).max(1),
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then(
                    self.entries[a.index].fields[0]
                        .len()
                        .cmp(&self.entries[b.index].fields[0].len()),
                )
                .then(a.index.cmp(&b.index))
        });
        hits.truncate(limit);
        hits
    }
}

/// A short excerpt of `text` around the first occurrence of `word`.
pub fn excerpt(text: &str, word: &str, width: usize) -> String {
    let lower = text.to_lowercase();
    let Some(at) = lower.find(&word.to_lowercase()) else {
        return text.chars().take(width).collect();
    };
    // Lowercasing can change byte lengths; map back by characters.
    let chars_before = lower[..at].chars().count();
    let start = chars_before.saturating_sub(width / 3);
    let s: String = text.chars().skip(start).take(width).collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 {
        format!("…{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(id: &str, kind: &str, raw: Value) -> Resource {
        let mut raw = raw;
        raw["package_name"] = "shop".into();
        Resource::from_value(id, kind, &raw)
    }

    fn index() -> SearchIndex {
        SearchIndex::new(
            &[
                res(
                    "model.shop.orders",
                    "model",
                    json!({"name": "orders", "description": "One row per order",
                    "raw_code": "select * from {{ ref('stg_payments') }}", "tags": ["finance"]}),
                ),
                res(
                    "model.shop.customers",
                    "model",
                    json!({"name": "customers", "description": "Customers and their orders",
                    "columns": {"lifetime_value": {"description": "Sum of payments"}}}),
                ),
                res(
                    "model.shop.stg_payments",
                    "model",
                    json!({"name": "stg_payments"}),
                ),
            ],
            &Value::Null,
        )
    }

    #[test]
    fn names_rank_above_descriptions_and_sql() {
        let idx = index();
        let hits = idx.query("orders", 10);
        assert_eq!(hits.iter().map(|h| h.index).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(hits[1].field, "description");
        let hits = idx.query("payments", 10);
        assert_eq!(hits[0].index, 2);
        assert_eq!(hits.len(), 3);
    }

    #[test]
    fn every_word_must_match_and_fields_count() {
        let idx = index();
        assert_eq!(idx.query("lifetime", 10)[0].field, "columns");
        assert_eq!(idx.query("finance orders", 10).len(), 1);
        assert!(idx.query("nothing-like-this", 10).is_empty());
        assert!(idx.query("  ", 10).is_empty());
    }

    #[test]
    fn excerpts_center_on_the_word() {
        let text = "a ".repeat(100) + "needle and more";
        let e = excerpt(&text, "NEEDLE", 30);
        assert!(e.starts_with('…') && e.contains("needle"), "{e}");
    }
}
