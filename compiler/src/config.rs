//! Config resolution with dbt's precedence and merge rules:
//! `dbt_project.yml` (package, then root) < properties YAML < `config()` in the file.

use serde_json::{Map, Value};

/// How a config key combines with an earlier value.
fn merge_kind(key: &str) -> Merge {
    match key {
        "tags" | "pre-hook" | "post-hook" | "packages" => Merge::Append,
        // As dbt-core's `NodeConfig` marks them (snapshots merge their
        // meta column names too); other dicts, `persist_docs` among them,
        // are replaced whole.
        "meta"
        | "quoting"
        | "column_types"
        | "docs"
        | "contract"
        | "snapshot_meta_column_names" => Merge::Update,
        "grants" => Merge::DictKeyAppend,
        _ => Merge::Clobber,
    }
}

enum Merge {
    Clobber,
    Append,
    Update,
    DictKeyAppend,
}

pub(crate) fn listify(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Merges one `config()` call into those before it as dbt-core's
/// `merge_config_dicts` does: the first call is taken as is; after that,
/// appended keys (tags, hooks) become lists.
pub fn merge_config_call(calls: &mut Map<String, Value>, new: &Map<String, Value>) {
    let first = calls.is_empty();
    for (k, v) in new {
        let k = &normalize_key(k);
        if first {
            calls.insert(k.clone(), v.clone());
        } else if matches!(merge_kind(k), Merge::Append) {
            let mut l = calls.get(k).map(listify).unwrap_or_default();
            l.extend(listify(v));
            calls.insert(k.clone(), Value::Array(l));
        } else {
            let mut one = Map::new();
            one.insert(k.clone(), v.clone());
            merge_into(calls, &one);
        }
    }
}

/// Normalizes a key as dbt does: `+` stripped, `pre_hook` spelled `pre-hook`.
pub fn normalize_key(k: &str) -> String {
    let k = k.trim_start_matches('+').trim();
    match k {
        "pre_hook" => "pre-hook".into(),
        "post_hook" => "post-hook".into(),
        other => other.to_string(),
    }
}

/// Merges `update` into `base` with dbt's per-key rules.
pub fn merge_into(base: &mut Map<String, Value>, update: &Map<String, Value>) {
    for (k, v) in update {
        let key = normalize_key(k);
        let new = match (base.get(&key), merge_kind(&key)) {
            (None, _) | (Some(_), Merge::Clobber) => v.clone(),
            (Some(old), Merge::Append) => {
                let mut l = listify(old);
                l.extend(listify(v));
                Value::Array(l)
            }
            (Some(Value::Object(old)), Merge::Update) => {
                let mut m = old.clone();
                if let Value::Object(n) = v {
                    for (a, b) in n {
                        m.insert(a.clone(), b.clone());
                    }
                    Value::Object(m)
                } else {
                    v.clone()
                }
            }
            (Some(Value::Object(old)), Merge::DictKeyAppend) => {
                let mut m = old.clone();
                if let Value::Object(n) = v {
                    for (a, b) in n {
                        let mut l = m.get(a).map(listify).unwrap_or_default();
                        l.extend(listify(b));
                        m.insert(a.clone(), Value::Array(l));
                    }
                }
                Value::Object(m)
            }
            (Some(_), _) => v.clone(),
        };
        base.insert(key, new);
    }
}

/// The configs that `dbt_project.yml` gives a node with this fqn: each level of
/// the tree from the resource key down along the fqn, outermost first.
pub fn project_levels(tree: &Value, fqn: &[String]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let mut level = tree;
    let take = |lv: &Value| -> Map<String, Value> {
        let mut m = Map::new();
        if let Value::Object(o) = lv {
            for (k, v) in o {
                if k.starts_with('+') || !v.is_object() {
                    m.insert(normalize_key(k), v.clone());
                }
            }
        }
        m
    };
    if !tree.is_object() {
        return out;
    }
    out.push(take(level));
    for part in fqn {
        match level.get(part) {
            Some(next) if next.is_object() => {
                out.push(take(next));
                level = next;
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_append_and_meta_update() {
        let mut base = json!({"tags": ["a"], "meta": {"x": 1}, "materialized": "view", "persist_docs": {"columns": true}})
            .as_object()
            .unwrap()
            .clone();
        merge_into(
            &mut base,
            json!({"+tags": "b", "meta": {"y": 2}, "materialized": "table", "persist_docs": {"relation": true}})
                .as_object()
                .unwrap(),
        );
        assert_eq!(
            Value::Object(base),
            json!({"tags": ["a", "b"], "meta": {"x": 1, "y": 2}, "materialized": "table", "persist_docs": {"relation": true}})
        );
    }

    #[test]
    fn levels_follow_fqn() {
        let tree = json!({"+materialized": "view", "shop": {"staging": {"+schema": "stg", "+tags": ["s"]}, "marts": {"+materialized": "table"}}});
        let fqn: Vec<String> = ["shop", "staging", "stg_orders"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let levels = project_levels(&tree, &fqn);
        assert_eq!(levels.len(), 3);
        assert_eq!(levels[2].get("schema"), Some(&json!("stg")));
    }
}

/// dbt's default config of a resource type, keys in dbt's order. Built once
/// per type and cloned: every node starts from one.
pub fn defaults(rt: crate::nodes::ResourceType) -> Map<String, Value> {
    thread_local! {
        static BUILT: std::cell::RefCell<Vec<(crate::nodes::ResourceType, Map<String, Value>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    BUILT.with(|b| {
        if let Some((_, m)) = b.borrow().iter().find(|(t, _)| *t == rt) {
            return m.clone();
        }
        let m = build_defaults(rt);
        b.borrow_mut().push((rt, m.clone()));
        m
    })
}

fn build_defaults(rt: crate::nodes::ResourceType) -> Map<String, Value> {
    use crate::nodes::ResourceType as R;
    use serde_json::json;
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("enabled", json!(true));
    put("alias", Value::Null);
    put(
        "schema",
        if rt == R::Test {
            json!("dbt_test__audit")
        } else {
            Value::Null
        },
    );
    put("database", Value::Null);
    put("tags", json!([]));
    put("meta", json!({}));
    put("group", Value::Null);
    put("static_analysis", Value::Null);
    if rt == R::Test {
        put("materialized", json!("test"));
        put("severity", json!("ERROR"));
        put("store_failures", Value::Null);
        put("store_failures_as", Value::Null);
        put("where", Value::Null);
        put("limit", Value::Null);
        put("fail_calc", json!("count(*)"));
        put("warn_if", json!("!= 0"));
        put("error_if", json!("!= 0"));
        return m;
    }
    let materialized = match rt {
        R::Seed => "seed",
        R::Snapshot => "snapshot",
        _ => "view",
    };
    put("materialized", json!(materialized));
    put("incremental_strategy", Value::Null);
    put("batch_size", Value::Null);
    put("lookback", json!(1));
    put("begin", Value::Null);
    put("persist_docs", json!({}));
    put("post-hook", json!([]));
    put("pre-hook", json!([]));
    put("quoting", json!({}));
    put("column_types", json!({}));
    put("full_refresh", Value::Null);
    put("unique_key", Value::Null);
    put("on_schema_change", json!("ignore"));
    put("on_configuration_change", json!("apply"));
    put("grants", json!({}));
    put("packages", json!([]));
    put("docs", json!({"show": true, "node_color": null}));
    put("contract", json!({"enforced": false, "alias_types": true}));
    put("event_time", Value::Null);
    put("concurrent_batches", Value::Null);
    match rt {
        R::Model => {
            put("access", json!("protected"));
            put("freshness", Value::Null);
        }
        R::Seed => {
            put("delimiter", json!(","));
            put("quote_columns", Value::Null);
        }
        R::Snapshot => {
            for k in [
                "strategy",
                "target_schema",
                "target_database",
                "updated_at",
                "check_cols",
            ] {
                put(k, Value::Null);
            }
            put(
                "snapshot_meta_column_names",
                json!({"dbt_valid_to": null, "dbt_valid_from": null, "dbt_scd_id": null, "dbt_updated_at": null, "dbt_is_deleted": null}),
            );
            put("dbt_valid_to_current", Value::Null);
        }
        _ => {}
    }
    m
}
