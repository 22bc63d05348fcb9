//! What the compiler may ask a warehouse, behind one interface.
//!
//! Offline nothing exists, and the compiler behaves as dbt does against an
//! empty warehouse. An [`Introspection`] answers the questions that change
//! compiled SQL: which columns a relation has, with which types. A
//! `catalog.json` (from `dbt docs generate`) answers them without a
//! connection; the warehouse proxy can answer them for real.

use std::collections::HashMap;
use std::fmt;

/// A column as the warehouse describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseColumn {
    pub name: String,
    /// The type as the warehouse spells it (`INTEGER`, `DECIMAL(18,2)`,
    /// `VARCHAR`); dbt's `Column` class derives `data_type` from it.
    pub data_type: String,
}

/// A relation's address; `None` parts are not compared.
#[derive(Debug, Clone, Copy)]
pub struct RelationRef<'a> {
    pub database: Option<&'a str>,
    pub schema: Option<&'a str>,
    pub identifier: &'a str,
}

/// Answers introspection questions for the compiler.
pub trait Introspection: Send + Sync + fmt::Debug {
    /// The columns of a relation in their warehouse order, or `None` when the
    /// relation does not exist.
    fn columns(&self, relation: RelationRef<'_>) -> Option<Vec<WarehouseColumn>>;
}

/// Relations and their columns read from a `catalog.json`.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    /// (database, schema, identifier), lowercased -> columns in index order.
    relations: HashMap<(String, String, String), Vec<WarehouseColumn>>,
}

impl Catalog {
    /// Reads the `nodes` and `sources` of a dbt `catalog.json`.
    pub fn from_json(text: &str) -> Result<Catalog, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("catalog.json: {e}"))?;
        let mut relations = HashMap::new();
        for section in ["nodes", "sources"] {
            let Some(entries) = v.get(section).and_then(|s| s.as_object()) else {
                continue;
            };
            for entry in entries.values() {
                let meta = entry.get("metadata");
                let part = |k: &str| {
                    meta.and_then(|m| m.get(k))
                        .and_then(|x| x.as_str())
                        .unwrap_or_default()
                        .to_lowercase()
                };
                let mut cols: Vec<(i64, WarehouseColumn)> = entry
                    .get("columns")
                    .and_then(|c| c.as_object())
                    .map(|c| {
                        c.values()
                            .map(|col| {
                                let s = |k: &str| {
                                    col.get(k)
                                        .and_then(|x| x.as_str())
                                        .unwrap_or_default()
                                        .to_string()
                                };
                                (
                                    col.get("index").and_then(|i| i.as_i64()).unwrap_or(0),
                                    WarehouseColumn {
                                        name: s("name"),
                                        data_type: s("type"),
                                    },
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                cols.sort_by_key(|(i, _)| *i);
                relations.insert(
                    (part("database"), part("schema"), part("name")),
                    cols.into_iter().map(|(_, c)| c).collect(),
                );
            }
        }
        Ok(Catalog { relations })
    }
}

impl Introspection for Catalog {
    fn columns(&self, r: RelationRef<'_>) -> Option<Vec<WarehouseColumn>> {
        let id = r.identifier.to_lowercase();
        match (r.database, r.schema) {
            (Some(d), Some(s)) => self
                .relations
                .get(&(d.to_lowercase(), s.to_lowercase(), id))
                .cloned(),
            // Without a full address, a unique match on the known parts.
            _ => {
                let mut hits = self.relations.iter().filter(|((d, s, i), _)| {
                    *i == id
                        && r.database.is_none_or(|x| x.eq_ignore_ascii_case(d))
                        && r.schema.is_none_or(|x| x.eq_ignore_ascii_case(s))
                });
                match (hits.next(), hits.next()) {
                    (Some((_, cols)), None) => Some(cols.clone()),
                    _ => None,
                }
            }
        }
    }
}

/// One relation whose columns are known without a warehouse (declared with
/// types in properties YAML).
#[derive(Debug)]
pub struct Declared {
    pub database: Option<String>,
    pub schema: String,
    pub identifier: String,
    pub columns: Vec<WarehouseColumn>,
}

impl Introspection for Declared {
    fn columns(&self, r: RelationRef<'_>) -> Option<Vec<WarehouseColumn>> {
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        (r.identifier.eq_ignore_ascii_case(&self.identifier)
            && same(r.schema, Some(&self.schema))
            && same(r.database, self.database.as_deref()))
        .then(|| self.columns.clone())
    }
}

/// dbt's `Column` class: the parts of a described type, and the `data_type`
/// it reports (strings get a size, numerics their precision and scale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    pub dtype: String,
    pub char_size: Option<i64>,
    pub numeric_precision: Option<i64>,
    pub numeric_scale: Option<i64>,
}

impl ColumnType {
    /// `Column.from_description`: `DECIMAL(18,2)` is dtype `DECIMAL` with
    /// precision 18 and scale 2; `VARCHAR(10)` has a size of 10.
    pub fn from_description(raw: &str) -> ColumnType {
        let raw = raw.trim();
        let mut t = ColumnType {
            dtype: raw.to_string(),
            char_size: None,
            numeric_precision: None,
            numeric_scale: None,
        };
        if let (Some(open), true) = (raw.find('('), raw.ends_with(')')) {
            let inner = &raw[open + 1..raw.len() - 1];
            let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
            let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse().ok()).collect();
            if let Some(nums) = nums {
                t.dtype = raw[..open].to_string();
                match nums.as_slice() {
                    [n] if t.is_string() => t.char_size = Some(*n),
                    [n] => t.numeric_precision = Some(*n),
                    [p, s] => {
                        t.numeric_precision = Some(*p);
                        t.numeric_scale = Some(*s);
                    }
                    _ => t.dtype = raw.to_string(),
                }
            }
        }
        t
    }

    pub fn is_string(&self) -> bool {
        matches!(
            self.dtype.to_lowercase().as_str(),
            "text" | "character varying" | "character" | "varchar"
        )
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self.dtype.to_lowercase().as_str(), "numeric" | "decimal")
    }

    pub fn string_size(&self) -> i64 {
        match self.char_size {
            Some(n) if self.dtype != "text" => n,
            _ => 256,
        }
    }

    /// `Column.data_type`.
    pub fn data_type(&self) -> String {
        if self.is_string() {
            format!("character varying({})", self.string_size())
        } else if self.is_numeric() {
            match (self.numeric_precision, self.numeric_scale) {
                (Some(p), Some(s)) => format!("{}({p},{s})", self.dtype),
                _ => self.dtype.clone(),
            }
        } else {
            self.dtype.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_as_dbt_reports_them() {
        let dt = |s: &str| ColumnType::from_description(s).data_type();
        assert_eq!(dt("INTEGER"), "INTEGER");
        assert_eq!(dt("VARCHAR"), "character varying(256)");
        assert_eq!(dt("varchar(12)"), "character varying(12)");
        assert_eq!(dt("DECIMAL(18,2)"), "DECIMAL(18,2)");
        assert_eq!(dt("numeric"), "numeric");
        assert_eq!(dt("TIMESTAMP WITH TIME ZONE"), "TIMESTAMP WITH TIME ZONE");
        assert_eq!(dt("STRUCT(a INTEGER)"), "STRUCT(a INTEGER)");
    }

    #[test]
    fn catalog_finds_relations_case_insensitively_in_index_order() {
        let c = Catalog::from_json(
            r#"{"nodes": {"model.p.a": {"metadata": {"database": "Dev", "schema": "main", "name": "a"},
                "columns": {"Y": {"name": "Y", "type": "VARCHAR", "index": 2},
                            "x": {"name": "x", "type": "INTEGER", "index": 1}}}},
                "sources": {}}"#,
        )
        .unwrap();
        let cols = c
            .columns(RelationRef {
                database: Some("dev"),
                schema: Some("MAIN"),
                identifier: "A",
            })
            .unwrap();
        let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x", "Y"]);
        assert!(c
            .columns(RelationRef {
                database: Some("dev"),
                schema: Some("other"),
                identifier: "a",
            })
            .is_none());
    }
}
