//! Tests over a small in-code graph that mirrors a real dbt project; the
//! expected lines of the table-driven cases are what `dbt ls` 1.11 printed
//! for the same project.

use super::*;
use serde_json::json;
use std::collections::BTreeSet;

/// The project: two packages, sources, a seed, staging and mart models, a
/// versioned model, a snapshot, an analysis, generic/singular/unit tests, an
/// exposure and semantic-layer nodes.
const FIXTURE: &str = r#"[
{"unique_id":"analysis.proj.an","name":"an","resource_type":"analysis","package_name":"proj","fqn":["proj","analysis","an"],"original_file_path":"analyses/an.sql","config":{"enabled":true,"materialized":"view","contract":{"enforced":false}},"depends_on_nodes":["model.proj.fct"],"raw_code":"select 1"},
{"unique_id":"model.pkg.pkg_model","name":"pkg_model","resource_type":"model","package_name":"pkg","fqn":["pkg","pkg_model"],"original_file_path":"models/pkg_model.sql","config":{"enabled":true,"materialized":"view","access":"protected","contract":{"enforced":false}},"access":"protected","raw_code":"select 1"},
{"unique_id":"model.pkg.stg_a","name":"stg_a","resource_type":"model","package_name":"pkg","fqn":["pkg","stg_a"],"original_file_path":"models/stg_a.sql","config":{"enabled":true,"materialized":"view","access":"protected","contract":{"enforced":false}},"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.dim","name":"dim","resource_type":"model","package_name":"proj","fqn":["proj","marts","dim"],"original_file_path":"models/marts/dim.sql","patch_path":"proj://models/marts/schema.yml","config":{"enabled":true,"materialized":"view","meta":{"owner":"alice"},"group":"finance","access":"private","contract":{"enforced":false}},"depends_on_nodes":["model.proj.stg_a"],"access":"private","raw_code":"select 1"},
{"unique_id":"model.proj.downstream","name":"downstream","resource_type":"model","package_name":"proj","fqn":["proj","marts","downstream"],"original_file_path":"models/marts/downstream.sql","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"depends_on_nodes":["model.proj.fct","model.pkg.pkg_model"],"depends_on_macros":["macro.proj.m2"],"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.fct","name":"fct","resource_type":"model","package_name":"proj","fqn":["proj","marts","fct"],"original_file_path":"models/marts/fct.sql","patch_path":"proj://models/marts/schema.yml","tags":["nightly"],"config":{"enabled":true,"materialized":"table","severity":"warn","meta":{"owner":"alice"},"group":"finance","access":"public","contract":{"enforced":false},"tags":["nightly"]},"depends_on_nodes":["model.proj.stg_a","model.proj.stg_b"],"access":"public","raw_code":"select 1"},
{"unique_id":"model.proj.metricflow_time_spine","name":"metricflow_time_spine","resource_type":"model","package_name":"proj","fqn":["proj","marts","metricflow_time_spine"],"original_file_path":"models/marts/metricflow_time_spine.sql","patch_path":"proj://models/marts/sem.yml","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.stg_a","name":"stg_a","resource_type":"model","package_name":"proj","fqn":["proj","staging","stg_a"],"original_file_path":"models/staging/stg_a.sql","patch_path":"proj://models/staging/stg.yml","tags":["staging","nightly","a_tag"],"config":{"enabled":true,"materialized":"view","access":"protected","persist_docs":{"relation":true},"contract":{"enforced":false},"tags":["staging","nightly","a_tag"]},"depends_on_nodes":["source.proj.raw.t1"],"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.stg_b","name":"stg_b","resource_type":"model","package_name":"proj","fqn":["proj","staging","stg_b"],"original_file_path":"models/staging/stg_b.sql","tags":["staging"],"config":{"enabled":true,"materialized":"view","access":"protected","contract":{"enforced":false},"tags":["staging"]},"depends_on_nodes":["source.proj.raw.t2","seed.proj.seed_a"],"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.unversioned","name":"unversioned","resource_type":"model","package_name":"proj","fqn":["proj","marts","unversioned"],"original_file_path":"models/marts/unversioned.sql","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"depends_on_nodes":["model.proj.versioned.v2"],"access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.versioned.v1","name":"versioned","resource_type":"model","package_name":"proj","fqn":["proj","marts","versioned","v1"],"original_file_path":"models/marts/versioned_v1.sql","patch_path":"proj://models/marts/schema.yml","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"version":"1","latest_version":"2","access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.versioned.v2","name":"versioned","resource_type":"model","package_name":"proj","fqn":["proj","marts","versioned","v2"],"original_file_path":"models/marts/versioned_v2.sql","patch_path":"proj://models/marts/schema.yml","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"version":"2","latest_version":"2","access":"protected","raw_code":"select 1"},
{"unique_id":"model.proj.versioned.v3","name":"versioned","resource_type":"model","package_name":"proj","fqn":["proj","marts","versioned","v3"],"original_file_path":"models/marts/versioned_v3.sql","patch_path":"proj://models/marts/schema.yml","config":{"enabled":true,"materialized":"table","meta":{"owner":"alice"},"access":"protected","contract":{"enforced":false}},"version":"3","latest_version":"2","access":"protected","raw_code":"select 1"},
{"unique_id":"seed.proj.seed_a","name":"seed_a","resource_type":"seed","package_name":"proj","fqn":["proj","seed_a"],"original_file_path":"seeds/seed_a.csv","tags":["seedtag"],"config":{"enabled":true,"materialized":"seed","contract":{"enforced":false},"tags":["seedtag"]},"raw_code":"select 1"},
{"unique_id":"snapshot.proj.snap","name":"snap","resource_type":"snapshot","package_name":"proj","fqn":["proj","snap","snap"],"original_file_path":"snapshots/snap.sql","config":{"enabled":true,"materialized":"snapshot","contract":{"enforced":false}},"depends_on_nodes":["model.proj.stg_a"],"raw_code":"select 1"},
{"unique_id":"test.proj.accepted_values_stg_a_id__1__2.e6e09d4e2a","name":"accepted_values_stg_a_id__1__2","resource_type":"test","package_name":"proj","fqn":["proj","staging","accepted_values_stg_a_id__1__2"],"original_file_path":"models/staging/stg.yml","config":{"enabled":true,"materialized":"test","severity":"warn","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.stg_a"],"test_type":"generic","test_name":"accepted_values","raw_code":"select 1"},
{"unique_id":"test.proj.assert_fct","name":"assert_fct","resource_type":"test","package_name":"proj","fqn":["proj","assert_fct"],"original_file_path":"tests/assert_fct.sql","config":{"enabled":true,"materialized":"test","severity":"ERROR","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.fct","model.proj.stg_b"],"test_type":"singular","raw_code":"select 1"},
{"unique_id":"test.proj.not_null_fct_id.32930a35e7","name":"not_null_fct_id","resource_type":"test","package_name":"proj","fqn":["proj","marts","not_null_fct_id"],"original_file_path":"models/marts/schema.yml","config":{"enabled":true,"materialized":"test","severity":"ERROR","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.fct"],"test_type":"generic","test_name":"not_null","raw_code":"select 1"},
{"unique_id":"test.proj.not_null_stg_a_id.8f75690087","name":"not_null_stg_a_id","resource_type":"test","package_name":"proj","fqn":["proj","staging","not_null_stg_a_id"],"original_file_path":"models/staging/stg.yml","config":{"enabled":true,"materialized":"test","severity":"ERROR","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.stg_a"],"test_type":"generic","test_name":"not_null","raw_code":"select 1"},
{"unique_id":"test.proj.relationships_fct_id__id__ref_dim_.d8e9ceeac2","name":"relationships_fct_id__id__ref_dim_","resource_type":"test","package_name":"proj","fqn":["proj","marts","relationships_fct_id__id__ref_dim_"],"original_file_path":"models/marts/schema.yml","config":{"enabled":true,"materialized":"test","severity":"ERROR","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.dim","model.proj.fct"],"test_type":"generic","test_name":"relationships","raw_code":"select 1"},
{"unique_id":"test.proj.unique_fct_id.b17ca094e5","name":"unique_fct_id","resource_type":"test","package_name":"proj","fqn":["proj","marts","unique_fct_id"],"original_file_path":"models/marts/schema.yml","config":{"enabled":true,"materialized":"test","severity":"ERROR","schema":"dbt_test__audit"},"depends_on_nodes":["model.proj.fct"],"test_type":"generic","test_name":"unique","raw_code":"select 1"},
{"unique_id":"source.proj.other.t3","name":"t3","resource_type":"source","package_name":"proj","fqn":["proj","staging","other","t3"],"original_file_path":"models/staging/sources.yml","config":{"enabled":true},"source_name":"other"},
{"unique_id":"source.proj.raw.t1","name":"t1","resource_type":"source","package_name":"proj","fqn":["proj","staging","raw","t1"],"original_file_path":"models/staging/sources.yml","tags":["srctag"],"config":{"enabled":true,"tags":["srctag"]},"source_name":"raw"},
{"unique_id":"source.proj.raw.t2","name":"t2","resource_type":"source","package_name":"proj","fqn":["proj","staging","raw","t2"],"original_file_path":"models/staging/sources.yml","config":{"enabled":true},"source_name":"raw"},
{"unique_id":"exposure.proj.dash","name":"dash","resource_type":"exposure","package_name":"proj","fqn":["proj","marts","dash"],"original_file_path":"models/marts/schema.yml","config":{"enabled":true},"depends_on_nodes":["model.proj.fct"]},
{"unique_id":"metric.proj.total_cnt","name":"total_cnt","resource_type":"metric","package_name":"proj","fqn":["proj","marts","total_cnt"],"original_file_path":"models/marts/sem.yml","config":{"enabled":true},"depends_on_nodes":["semantic_model.proj.fct_sm"]},
{"unique_id":"semantic_model.proj.fct_sm","name":"fct_sm","resource_type":"semantic_model","package_name":"proj","fqn":["proj","marts","fct_sm"],"original_file_path":"models/marts/sem.yml","config":{"enabled":true},"depends_on_nodes":["model.proj.fct"]},
{"unique_id":"saved_query.proj.sq1","name":"sq1","resource_type":"saved_query","package_name":"proj","fqn":["proj","marts","sq1"],"original_file_path":"models/marts/sem.yml","config":{"enabled":true},"depends_on_nodes":["metric.proj.total_cnt"]},
{"unique_id":"unit_test.proj.fct.test_fct","name":"test_fct","resource_type":"unit_test","package_name":"proj","fqn":["proj","marts","fct","test_fct"],"original_file_path":"models/marts/schema.yml","config":{"enabled":true},"depends_on_nodes":["model.proj.fct"],"test_type":"unit"}
]"#;

fn nodes() -> Vec<SelectNode> {
    match serde_json::from_str(FIXTURE) {
        Ok(nodes) => nodes,
        Err(e) => panic!("fixture: {e}"),
    }
}

fn graph() -> SelectGraph {
    let mut g = SelectGraph::from_nodes(nodes());
    g.project_name = Some("proj".to_string());
    for (uid, sql, deps) in [
        ("macro.proj.m", "{% macro m() %}1{% endmacro %}", vec![]),
        (
            "macro.proj.m2",
            "{% macro m2() %}{{ m() }}{% endmacro %}",
            vec!["macro.proj.m".to_string()],
        ),
    ] {
        g.macros.insert(
            uid.to_string(),
            SelectMacro {
                unique_id: uid.to_string(),
                macro_sql: sql.to_string(),
                depends_on_macros: deps,
            },
        );
    }
    g
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

struct Case {
    select: &'static [&'static str],
    exclude: &'static [&'static str],
    indirect: IndirectSelection,
    resource_types: &'static [&'static str],
    exclude_resource_types: &'static [&'static str],
    expected: &'static [&'static str],
}

const fn case(
    select: &'static [&'static str],
    exclude: &'static [&'static str],
    indirect: IndirectSelection,
    resource_types: &'static [&'static str],
    exclude_resource_types: &'static [&'static str],
    expected: &'static [&'static str],
) -> Case {
    Case {
        select,
        exclude,
        indirect,
        resource_types,
        exclude_resource_types,
        expected,
    }
}

fn request(select: &[&str], exclude: &[&str], indirect: IndirectSelection) -> ListRequest {
    ListRequest {
        selection: SelectionArgs {
            select: strings(select),
            exclude: strings(exclude),
            selector: None,
            indirect_selection: indirect,
        },
        ..Default::default()
    }
}

fn run_list(
    graph: &SelectGraph,
    req: &ListRequest,
    selectors: Option<&SelectorsFile>,
) -> Vec<String> {
    match list(graph, req, selectors, None) {
        Ok(r) => r.lines,
        Err(e) => panic!("{:?} failed: {}", req.selection, e.message),
    }
}

/// `dbt ls` lines for `--select`/`--exclude` with eager indirect selection.
fn ls(select: &[&str], exclude: &[&str]) -> Vec<String> {
    run_list(
        &graph(),
        &request(select, exclude, IndirectSelection::Eager),
        None,
    )
}

fn check(cases: &[Case]) {
    let g = graph();
    for c in cases {
        let mut req = request(c.select, c.exclude, c.indirect);
        req.resource_types = strings(c.resource_types);
        req.exclude_resource_types = strings(c.exclude_resource_types);
        let got = run_list(&g, &req, None);
        assert_eq!(
            got,
            strings(c.expected),
            "select {:?} exclude {:?} indirect {:?}",
            c.select,
            c.exclude,
            c.indirect
        );
    }
}

/// Unique ids selected by a spec, with no resource-type filter.
fn ids(
    graph: &SelectGraph,
    select: &[&str],
    state: Option<&PreviousState>,
) -> Result<Vec<String>, SelectorError> {
    let spec = parse_difference(Some(&strings(select)), None, IndirectSelection::Empty)?;
    let options = SelectOptions {
        include_empty_nodes: true,
        ..Default::default()
    };
    Ok(select_nodes(graph, &spec, &options, state)?
        .selected
        .into_iter()
        .collect())
}

use super::select as select_nodes;

fn expect_ok<T>(r: Result<T, SelectorError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("unexpected error: {}", e.message),
    }
}

fn expect_err<T: std::fmt::Debug>(r: Result<T, SelectorError>) -> SelectorError {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

#[rustfmt::skip]
const FQN_CASES: &[Case] = &[
    case(&["stg_a"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["proj.stg_a"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["staging.stg_a"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["proj.staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["proj.staging.*"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_*"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_?"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_[ab]"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_[!a]"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_b", "proj.assert_fct"]),
    case(&["pkg"], &[], IndirectSelection::Eager, &[], &[], &["pkg.pkg_model", "pkg.stg_a"]),
    case(&["pkg.stg_a"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a"]),
    case(&["versioned"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3"]),
    case(&["versioned.v1"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1"]),
    case(&["versioned_v2"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v2"]),
    case(&["proj.marts.versioned.v1"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1"]),
    case(&["versioned.*"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["stg_a fct"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.marts.fct", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["nonexistent"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["stg_a,nonexistent"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&[""], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["stg_a  fct"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.marts.fct", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct,dim"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.relationships_fct_id__id__ref_dim_"]),
    case(&["stg_a stg_b", "fct"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.marts.fct", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["FCT"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["*.fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["proj.*.fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["pro?"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["*_a"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.seed_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["marts.ver*"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3"]),
    case(&["marts.versioned"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3"]),
    case(&["proj.marts.versioned"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3"]),
    case(&["versioned.v*"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["dash"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash"]),
    case(&["sq1"], &[], IndirectSelection::Eager, &[], &[], &["saved_query:proj.sq1"]),
    case(&["test_fct"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["fct_sm"], &[], IndirectSelection::Eager, &[], &[], &["semantic_model:proj.fct_sm"]),
    case(&["not_null_fct_id"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.not_null_fct_id"]),
    case(&["assert_fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.assert_fct"]),
    case(&["accepted_values*"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2"]),
    case(&["test.proj.assert_fct"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["snap"], &[], IndirectSelection::Eager, &[], &[], &["proj.snap.snap"]),
];

#[rustfmt::skip]
const GRAPH_OPS_CASES: &[Case] = &[
    case(&["fct+"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash", "metric:proj.total_cnt", "proj.marts.downstream", "proj.marts.fct", "saved_query:proj.sq1", "semantic_model:proj.fct_sm", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["1+fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct+1"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash", "proj.marts.downstream", "proj.marts.fct", "semantic_model:proj.fct_sm", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["0+fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["2+downstream"], &[], IndirectSelection::Eager, &[], &[], &["pkg.pkg_model", "proj.marts.downstream", "proj.marts.fct", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["+fct,resource_type:model"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["+"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["fct+999999999999999999999999"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash", "metric:proj.total_cnt", "proj.marts.downstream", "proj.marts.fct", "saved_query:proj.sq1", "semantic_model:proj.fct_sm", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["1+stg_b+1"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_b", "proj.seed_a", "source:proj.raw.t2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["version:latest+"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.unversioned", "proj.marts.versioned.v2"]),
    case(&["total_cnt+"], &[], IndirectSelection::Eager, &[], &[], &["metric:proj.total_cnt", "saved_query:proj.sq1"]),
    case(&["1+@fct"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["tag:srctag+1"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "source:proj.raw.t1", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
];

#[rustfmt::skip]
const TAG_CASES: &[Case] = &[
    case(&["tag:nightly"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["tag:night*"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["tag:srctag"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.raw.t1"]),
    case(&["tag:staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["tag:seedtag"], &[], IndirectSelection::Eager, &[], &[], &["proj.seed_a"]),
    case(&["stg_a,tag:nightly"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["package:proj,tag:staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
];

#[rustfmt::skip]
const PATH_CASES: &[Case] = &[
    case(&["path:models/staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["path:models/staging/stg_a.sql"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["path:models/*/stg_a.sql"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["path:models/marts/schema.yml"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash", "proj.marts.dim", "proj.marts.fct", "proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["models/staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["path:models/staging/"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["path:./models/staging"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.stg_b", "source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id"]),
    case(&["path:models/../models"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["path:models/staging/*.yml"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["path:tests"], &[], IndirectSelection::Eager, &[], &[], &["proj.assert_fct"]),
    case(&["path:seeds/seed_a.csv"], &[], IndirectSelection::Eager, &[], &[], &["proj.seed_a"]),
    case(&["seeds/seed_a.csv"], &[], IndirectSelection::Eager, &[], &[], &["proj.seed_a"]),
    case(&["path:snapshots"], &[], IndirectSelection::Eager, &[], &[], &["proj.snap.snap"]),
];

#[rustfmt::skip]
const FILE_CASES: &[Case] = &[
    case(&["file:stg_a.sql"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["file:stg_a"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_a.sql"], &[], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["file:schema.yml"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["file:fct"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["file:*.csv"], &[], IndirectSelection::Eager, &[], &[], &["proj.seed_a"]),
    case(&["file:sem"], &[], IndirectSelection::Eager, &[], &[], &["metric:proj.total_cnt", "saved_query:proj.sq1", "semantic_model:proj.fct_sm"]),
    case(&["file:Fct.sql"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["Fct.SQL"], &[], IndirectSelection::Eager, &[], &[], &[]),
];

const PACKAGE_CASES: &[Case] = &[case(
    &["package:pkg"],
    &[],
    IndirectSelection::Eager,
    &[],
    &[],
    &["pkg.pkg_model", "pkg.stg_a"],
)];

#[rustfmt::skip]
const CONFIG_CASES: &[Case] = &[
    case(&["config.materialized:view"], &[], IndirectSelection::Eager, &[], &[], &["pkg.pkg_model", "pkg.stg_a", "proj.marts.dim", "proj.staging.stg_a", "proj.staging.stg_b", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_"]),
    case(&["config.materialized:table"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.downstream", "proj.marts.fct", "proj.marts.metricflow_time_spine", "proj.marts.unversioned", "proj.marts.versioned.v1", "proj.marts.versioned.v2", "proj.marts.versioned.v3", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.severity:warn"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.severity:WARN"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.tags:nightly"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.group:finance"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.dim", "proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.:x"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["config.materialized:view,resource_type:test"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_"]),
    case(&["test_type:generic,config.severity:warn"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["config.severity:error"], &[], IndirectSelection::Eager, &[], &[], &["proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["config.schema:dbt_test__audit"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["config.meta:alice"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["config.persist_docs.relation:True"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["config.lookback:1"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["config.access:public"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["config.quote_columns:None"], &[], IndirectSelection::Eager, &[], &[], &[]),
];

#[rustfmt::skip]
const RESOURCE_TYPE_CASES: &[Case] = &[
    case(&["resource_type:test"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["resource_type:unit_test"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["resource_type:source"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["resource_type:analysis"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["resource_type:exposure"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash"]),
    case(&["resource_type:semantic_model"], &[], IndirectSelection::Eager, &[], &[], &["semantic_model:proj.fct_sm"]),
    case(&["resource_type:saved_query"], &[], IndirectSelection::Eager, &[], &[], &["saved_query:proj.sq1"]),
    case(&["resource_type:metric"], &[], IndirectSelection::Eager, &[], &[], &["metric:proj.total_cnt"]),
    case(&["resource_type:snapshot"], &[], IndirectSelection::Eager, &[], &[], &["proj.snap.snap"]),
];

#[rustfmt::skip]
const SOURCE_CASES: &[Case] = &[
    case(&["source:raw"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["source:raw.t1"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.raw.t1"]),
    case(&["source:proj.raw.t1"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.raw.t1"]),
    case(&["source:*"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["source:raw.t*"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["source:other"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.other.t3"]),
    case(&["source:proj.*.t*"], &[], IndirectSelection::Eager, &[], &[], &["source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["source:pkg.raw.t1"], &[], IndirectSelection::Eager, &[], &[], &[]),
];

#[rustfmt::skip]
const SEMANTIC_CASES: &[Case] = &[
    case(&["exposure:dash"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash"]),
    case(&["exposure:proj.dash"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash"]),
    case(&["metric:total_cnt"], &[], IndirectSelection::Eager, &[], &[], &["metric:proj.total_cnt"]),
    case(&["semantic_model:fct_sm"], &[], IndirectSelection::Eager, &[], &[], &["semantic_model:proj.fct_sm"]),
    case(&["saved_query:sq1"], &[], IndirectSelection::Eager, &[], &[], &["saved_query:proj.sq1"]),
    case(&["unit_test:test_fct"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["unit_test:proj.test_fct"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["exposure:pkg.dash"], &[], IndirectSelection::Eager, &[], &[], &[]),
    case(&["exposure:*"], &[], IndirectSelection::Eager, &[], &[], &["exposure:proj.dash"]),
    case(&["metric:proj.*"], &[], IndirectSelection::Eager, &[], &[], &["metric:proj.total_cnt"]),
    case(&["semantic_model:*_sm"], &[], IndirectSelection::Eager, &[], &[], &["semantic_model:proj.fct_sm"]),
    case(&["saved_query:proj.sq1"], &[], IndirectSelection::Eager, &[], &[], &["saved_query:proj.sq1"]),
    case(&["unit_test:*"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
];

#[rustfmt::skip]
const TESTS_CASES: &[Case] = &[
    case(&["test_type:generic"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["test_type:singular"], &[], IndirectSelection::Eager, &[], &[], &["proj.assert_fct"]),
    case(&["test_type:unit"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["test_type:data"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["test_type:a"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["test_type:u"], &[], IndirectSelection::Eager, &[], &[], &["proj.assert_fct"]),
    case(&["test_type:un"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["test_name:unique"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.unique_fct_id"]),
    case(&["test_name:not_null"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id"]),
    case(&["test_name:*"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["test_name:test_fct"], &[], IndirectSelection::Eager, &[], &[], &["unit_test:proj.test_fct"]),
    case(&["test_name:accepted_values"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2"]),
    case(&["test_type:schema"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["test_type:"], &[], IndirectSelection::Eager, &[], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
];

#[rustfmt::skip]
const GOVERNANCE_CASES: &[Case] = &[
    case(&["group:finance"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.dim", "proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["access:public"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["access:private"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.dim", "proj.marts.relationships_fct_id__id__ref_dim_"]),
    case(&["version:latest"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v2"]),
    case(&["version:prerelease"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v3"]),
    case(&["version:old"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.versioned.v1"]),
    case(&["group:fin*"], &[], IndirectSelection::Eager, &[], &[], &["proj.marts.dim", "proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["access:*"], &[], IndirectSelection::Eager, &[], &[], &[]),
];

#[rustfmt::skip]
const INDIRECT_CASES: &[Case] = &[
    case(&["fct"], &[], IndirectSelection::Cautious, &[], &[], &["proj.marts.fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct"], &[], IndirectSelection::Buildable, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct"], &[], IndirectSelection::Empty, &[], &[], &["proj.marts.fct"]),
    case(&["fct", "dim"], &[], IndirectSelection::Cautious, &[], &[], &["proj.marts.dim", "proj.marts.fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["+fct"], &["tag:staging"], IndirectSelection::Cautious, &[], &[], &["proj.marts.fct", "proj.seed_a", "source:proj.raw.t1", "source:proj.raw.t2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["+snap"], &[], IndirectSelection::Cautious, &[], &[], &["proj.staging.stg_a", "proj.snap.snap", "source:proj.raw.t1", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["stg_b"], &[], IndirectSelection::Buildable, &[], &[], &["proj.staging.stg_b"]),
    case(&["fct", "stg_b"], &[], IndirectSelection::Cautious, &[], &[], &["proj.marts.fct", "proj.staging.stg_b", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct,+fct"], &[], IndirectSelection::Cautious, &[], &[], &["proj.marts.fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct"], &["stg_b"], IndirectSelection::Cautious, &[], &[], &["proj.marts.fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct"], &["dim+"], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
];

#[rustfmt::skip]
const EXCLUDE_AND_TYPES_CASES: &[Case] = &[
    case(&["stg_a", "fct"], &["fct"], IndirectSelection::Eager, &[], &[], &["pkg.stg_a", "proj.staging.stg_a", "proj.staging.accepted_values_stg_a_id__1__2", "proj.staging.not_null_stg_a_id"]),
    case(&["+fct"], &["stg_a"], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_b", "proj.seed_a", "source:proj.raw.t1", "source:proj.raw.t2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["fct"], &[], IndirectSelection::Eager, &["test"], &[], &["proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["fct"], &[], IndirectSelection::Eager, &["model"], &[], &["proj.marts.fct"]),
    case(&["fct"], &[], IndirectSelection::Eager, &[], &["test"], &["proj.marts.fct", "unit_test:proj.test_fct"]),
    case(&["fct"], &[], IndirectSelection::Eager, &["all"], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&["+fct"], &[], IndirectSelection::Eager, &["analysis"], &[], &[]),
    case(&["tag:nightly"], &["test_type:generic"], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.staging.stg_a", "proj.assert_fct", "unit_test:proj.test_fct"]),
    case(&["resource_type:model"], &[], IndirectSelection::Eager, &["test"], &[], &["proj.staging.accepted_values_stg_a_id__1__2", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.staging.not_null_stg_a_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["fct"], &[], IndirectSelection::Eager, &["default", "analysis"], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
    case(&[], &["package:proj"], IndirectSelection::Eager, &[], &[], &["pkg.pkg_model", "pkg.stg_a"]),
    case(&[], &["*"], IndirectSelection::Eager, &[], &[], &["source:proj.other.t3", "source:proj.raw.t1", "source:proj.raw.t2"]),
    case(&["fct"], &["test_type:unit"], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.assert_fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id"]),
    case(&["fct"], &["+stg_b"], IndirectSelection::Eager, &[], &[], &["proj.marts.fct", "proj.marts.not_null_fct_id", "proj.marts.relationships_fct_id__id__ref_dim_", "proj.marts.unique_fct_id", "unit_test:proj.test_fct"]),
];

/// dbt ls parity: names, dotted fqn prefixes, packages, versions and wildcards (the default method).
#[test]
fn dbt_parity_fqn() {
    check(FQN_CASES);
}

/// dbt ls parity: `+`, `N+`, `+N`, `@` and their combinations.
#[test]
fn dbt_parity_graph_ops() {
    check(GRAPH_OPS_CASES);
}

/// dbt ls parity: `tag:` with wildcards, on models, seeds and sources.
#[test]
fn dbt_parity_tag() {
    check(TAG_CASES);
}

/// dbt ls parity: `path:` directories, files, globs, `**`, YAML patch files, and bare paths.
#[test]
fn dbt_parity_path() {
    check(PATH_CASES);
}

/// dbt ls parity: `file:` by name or stem, and bare `.sql`/`.csv` values.
#[test]
fn dbt_parity_file() {
    check(FILE_CASES);
}

/// dbt ls parity: `package:` with `this` and wildcards.
#[test]
fn dbt_parity_package() {
    check(PACKAGE_CASES);
}

/// dbt ls parity: `config.<key>:` including nested keys, lists, booleans and case-insensitive severity.
#[test]
fn dbt_parity_config() {
    check(CONFIG_CASES);
}

/// dbt ls parity: `resource_type:`.
#[test]
fn dbt_parity_resource_type() {
    check(RESOURCE_TYPE_CASES);
}

/// dbt ls parity: `source:` with one, two and three parts.
#[test]
fn dbt_parity_source() {
    check(SOURCE_CASES);
}

/// dbt ls parity: `exposure:`, `metric:`, `semantic_model:`, `saved_query:`, `unit_test:`.
#[test]
fn dbt_parity_semantic() {
    check(SEMANTIC_CASES);
}

/// dbt ls parity: `test_type:` (with dbt's substring matching) and `test_name:`.
#[test]
fn dbt_parity_tests() {
    check(TESTS_CASES);
}

/// dbt ls parity: `group:`, `access:` and `version:`.
#[test]
fn dbt_parity_governance() {
    check(GOVERNANCE_CASES);
}

/// dbt ls parity: eager, cautious, buildable and empty indirect selection.
#[test]
fn dbt_parity_indirect() {
    check(INDIRECT_CASES);
}

/// dbt ls parity: `--exclude`, `--resource-type` and `--exclude-resource-type`.
#[test]
fn dbt_parity_exclude_and_types() {
    check(EXCLUDE_AND_TYPES_CASES);
}

#[test]
fn default_selection_lists_everything_but_analyses() {
    let all = ls(&["*"], &[]);
    assert_eq!(all.len(), 25);
    assert!(!all.iter().any(|l| l.contains("analysis")));
    assert_eq!(
        ls(&[], &["fct"]),
        strings(&[
            "exposure:proj.dash",
            "metric:proj.total_cnt",
            "pkg.pkg_model",
            "pkg.stg_a",
            "proj.marts.dim",
            "proj.marts.downstream",
            "proj.marts.metricflow_time_spine",
            "proj.staging.stg_a",
            "proj.staging.stg_b",
            "proj.marts.unversioned",
            "proj.marts.versioned.v1",
            "proj.marts.versioned.v2",
            "proj.marts.versioned.v3",
            "saved_query:proj.sq1",
            "proj.seed_a",
            "semantic_model:proj.fct_sm",
            "proj.snap.snap",
            "source:proj.other.t3",
            "source:proj.raw.t1",
            "source:proj.raw.t2",
            "proj.staging.accepted_values_stg_a_id__1__2",
            "proj.staging.not_null_stg_a_id",
        ])
    );
    let mut req = request(&[], &[], IndirectSelection::Eager);
    req.resource_types = strings(&["all"]);
    let lines = run_list(&graph(), &req, None);
    assert_eq!(lines.len(), 29);
    assert_eq!(lines[0], "proj.analysis.an");
}

#[test]
fn childrens_parents_operator() {
    assert_eq!(
        ls(&["@stg_b"], &[]),
        strings(&[
            "exposure:proj.dash",
            "metric:proj.total_cnt",
            "pkg.pkg_model",
            "proj.marts.dim",
            "proj.marts.downstream",
            "proj.marts.fct",
            "proj.staging.stg_a",
            "proj.staging.stg_b",
            "saved_query:proj.sq1",
            "proj.seed_a",
            "semantic_model:proj.fct_sm",
            "source:proj.raw.t1",
            "source:proj.raw.t2",
            "proj.staging.accepted_values_stg_a_id__1__2",
            "proj.assert_fct",
            "proj.marts.not_null_fct_id",
            "proj.staging.not_null_stg_a_id",
            "proj.marts.relationships_fct_id__id__ref_dim_",
            "proj.marts.unique_fct_id",
            "unit_test:proj.test_fct",
        ])
    );
}

#[test]
fn depth_limits_and_ids() {
    let g = graph();
    assert_eq!(
        expect_ok(ids(&g, &["1+fct"], None)),
        strings(&["model.proj.fct", "model.proj.stg_a", "model.proj.stg_b"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["0+fct"], None)),
        strings(&["model.proj.fct"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["fct+1"], None)).len(),
        // fct, its 4 data tests, unit test, exposure, semantic model, analysis, downstream
        10
    );
    assert_eq!(
        expect_ok(ids(&g, &["2+downstream"], None)),
        strings(&[
            "model.pkg.pkg_model",
            "model.proj.downstream",
            "model.proj.fct",
            "model.proj.stg_a",
            "model.proj.stg_b",
        ])
    );
}

#[test]
fn disabled_and_empty_nodes() {
    let mut g = graph();
    let mut disabled = SelectNode {
        unique_id: "model.proj.off".into(),
        name: "off".into(),
        package_name: "proj".into(),
        fqn: strings(&["proj", "off"]),
        config: json!({"enabled": false}),
        depends_on_nodes: strings(&["model.proj.dim"]),
        raw_code: "select 1".into(),
        ..Default::default()
    };
    g.insert(disabled.clone());
    disabled.unique_id = "model.proj.after_off".into();
    disabled.name = "after_off".into();
    disabled.fqn = strings(&["proj", "after_off"]);
    disabled.config = json!({});
    disabled.depends_on_nodes = strings(&["model.proj.off"]);
    g.insert(disabled);
    // the disabled node is not selectable and cuts the path through it
    assert_eq!(expect_ok(ids(&g, &["off"], None)), Vec::<String>::new());
    assert_eq!(
        expect_ok(ids(&g, &["dim+"], None)),
        strings(&[
            "model.proj.dim",
            "test.proj.relationships_fct_id__id__ref_dim_.d8e9ceeac2"
        ])
    );
    assert_eq!(
        expect_ok(ids(&g, &["+after_off"], None)),
        strings(&["model.proj.after_off"])
    );

    // empty nodes are dropped unless asked for
    let mut g = graph();
    if let Some(n) = g.nodes.get_mut("model.proj.dim") {
        n.raw_code = "  \n".into();
    }
    let spec = expect_ok(parse_difference(
        Some(&strings(&["marts.d*"])),
        None,
        IndirectSelection::Empty,
    ));
    let run = SelectOptions {
        resource_types: Some([ResourceType::Model].into_iter().collect()),
        ..Default::default()
    };
    let got = expect_ok(select_nodes(&g, &spec, &run, None)).selected;
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        strings(&["model.proj.downstream"])
    );
    let keep = SelectOptions {
        include_empty_nodes: true,
        ..run
    };
    let got = expect_ok(select_nodes(&g, &spec, &keep, None)).selected;
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        strings(&["model.proj.dim", "model.proj.downstream"])
    );
}

#[test]
fn resource_type_filter_for_run_like_commands() {
    let g = graph();
    let spec = expect_ok(parse_difference(
        Some(&strings(&["+fct"])),
        None,
        IndirectSelection::Eager,
    ));
    let options = SelectOptions {
        resource_types: Some([ResourceType::Model].into_iter().collect()),
        include_empty_nodes: false,
        now: None,
    };
    let sel = expect_ok(select_nodes(&g, &spec, &options, None));
    assert_eq!(
        sel.selected.into_iter().collect::<Vec<_>>(),
        strings(&["model.proj.fct", "model.proj.stg_a", "model.proj.stg_b"])
    );
    // tests as `dbt test` sees them
    let options = SelectOptions {
        resource_types: Some(
            [ResourceType::Test, ResourceType::UnitTest]
                .into_iter()
                .collect(),
        ),
        ..Default::default()
    };
    let spec = expect_ok(parse_difference(
        Some(&strings(&["fct"])),
        None,
        IndirectSelection::Cautious,
    ));
    let sel = expect_ok(select_nodes(&g, &spec, &options, None));
    assert_eq!(
        sel.selected.into_iter().collect::<Vec<_>>(),
        strings(&[
            "test.proj.not_null_fct_id.32930a35e7",
            "test.proj.unique_fct_id.b17ca094e5",
            "unit_test.proj.fct.test_fct",
        ])
    );
    assert_eq!(
        sel.indirect_only.into_iter().collect::<Vec<_>>(),
        strings(&[
            "test.proj.assert_fct",
            "test.proj.relationships_fct_id__id__ref_dim_.d8e9ceeac2"
        ])
    );
}

#[test]
fn buildable_counts_ancestors_and_sources() {
    let g = graph();
    let spec = expect_ok(parse_difference(
        Some(&strings(&["stg_b"])),
        None,
        IndirectSelection::Buildable,
    ));
    let sel = expect_ok(select_nodes(&g, &spec, &SelectOptions::default(), None));
    assert_eq!(
        sel.selected.into_iter().collect::<Vec<_>>(),
        strings(&["model.proj.stg_b"])
    );
    let spec = expect_ok(parse_difference(
        Some(&strings(&["fct"])),
        None,
        IndirectSelection::Buildable,
    ));
    let sel = expect_ok(select_nodes(&g, &spec, &SelectOptions::default(), None));
    assert!(sel.selected.contains("test.proj.assert_fct"));
    assert!(!sel
        .selected
        .contains("test.proj.relationships_fct_id__id__ref_dim_.d8e9ceeac2"));
}

#[test]
fn selector_parse_errors_carry_positions() {
    let e = expect_err(parse_difference(
        Some(&strings(&["fct", "stg_a,@dim+"])),
        None,
        IndirectSelection::Eager,
    ));
    assert_eq!(e.kind, ErrorKind::Parse);
    assert_eq!(
        e.message,
        "Invalid node spec @dim+ - \"@\" prefix and \"+\" suffix are incompatible"
    );
    assert_eq!(
        (e.location.argument, e.location.offset, e.location.length),
        (Some(1), Some(6), Some(5))
    );

    let e = expect_err(parse_difference(
        Some(&strings(&["a  foo:bar"])),
        None,
        IndirectSelection::Eager,
    ));
    assert_eq!(e.message, "'foo' is not a valid method name");
    assert_eq!((e.location.argument, e.location.offset), (Some(0), Some(3)));

    let e = expect_err(parse_difference(
        None,
        Some(&strings(&["x\ny"])),
        IndirectSelection::Eager,
    ));
    assert_eq!(e.message, "Invalid selector spec \"x\ny\"");

    // a method with an empty argument parses and matches nothing
    assert_eq!(ls(&["config.:x"], &[]), Vec::<String>::new());
    // empty specs from doubled spaces match nothing
    assert_eq!(ls(&["stg_a  fct"], &[]), ls(&["stg_a fct"], &[]));
}

#[test]
fn evaluation_errors_are_reported_with_the_criterion() {
    let g = graph();
    let cases: &[(&str, &str)] = &[
        (
            "source:a.b.c.d",
            "Invalid source selector value \"a.b.c.d\". Sources must be of the form `${source_name}`, `${source_name}.${target_name}`, or `${package_name}.${source_name}.${target_name}",
        ),
        (
            "exposure:a.b.c",
            "Invalid exposure selector value \"a.b.c\". Exposures must be of the form ${exposure_name} or ${exposure_package.exposure_name}",
        ),
        ("test_type:zzz", "Invalid test type selector zzz: expected \"generic\", \"singular\", \"unit\", or \"data\""),
        (
            "version:bogus",
            "Invalid version type selector bogus: expected one of: \"latest\", \"prerelease\", \"old\", or \"none\"",
        ),
        ("resource_type:bogus", "Invalid resource_type selector \"bogus\""),
        ("state:modified", "Got a state selector method, but no comparison manifest"),
        ("result:error", "No comparison run_results"),
        ("source_status:fresher", "No previous state comparison freshness results in sources.json"),
        ("path:/abs", "Non-relative patterns are unsupported"),
    ];
    for (selector, message) in cases {
        let e = expect_err(ids(&g, &["fct", selector], None));
        assert_eq!(e.kind, ErrorKind::Evaluation, "{selector}");
        assert_eq!(&e.message, message);
        assert_eq!(e.location.argument, Some(1), "{selector}");
    }
    let state = PreviousState {
        graph: Some(graph()),
        ..Default::default()
    };
    let e = expect_err(ids(&g, &["state:bogus"], Some(&state)));
    assert_eq!(
        e.message,
        "Got an invalid selector \"bogus\", expected one of \"['new', 'old', 'modified', 'unmodified', 'modified.body', 'modified.configs', 'modified.persisted_descriptions', 'modified.relation', 'modified.macros', 'modified.contract']\""
    );
}

#[test]
fn warnings_for_criteria_matching_nothing() {
    let g = graph();
    let req = request(
        &["nonexistent", "stg_a,nope"],
        &["zzz"],
        IndirectSelection::Eager,
    );
    let r = expect_ok(list(&g, &req, None, None));
    let messages: Vec<&str> = r
        .selection
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "The selection criterion 'nonexistent' does not match any enabled nodes",
            "The selection criterion 'stg_a,nope' does not match any enabled nodes",
            "The selection criterion 'zzz' does not match any enabled nodes",
            "No nodes selected!",
        ]
    );
    assert_eq!(r.selection.warnings[1].location.offset, Some(0));
    assert!(r.lines.is_empty());
}

const SELECTORS_YML: &str = "selectors:
  - name: nightly
    description: nightly
    definition:
      method: tag
      value: nightly
      children: true
  - name: combo
    definition:
      union:
        - method: fqn
          value: stg_a
          parents: true
        - intersection:
            - tag:nightly
            - resource_type:model
        - exclude:
            - fct
  - name: ref_sel
    definition:
      method: selector
      value: nightly
  - name: cautious
    default: true
    definition:
      method: fqn
      value: fct
      indirect_selection: cautious
";

fn selectors(text: &str) -> SelectorsFile {
    expect_ok(parse_selectors_yaml(
        text,
        "selectors.yml",
        IndirectSelection::Eager,
    ))
}

fn with_selector(file: &SelectorsFile, name: &str) -> Vec<String> {
    let mut req = request(&[], &[], IndirectSelection::Eager);
    req.selection.selector = Some(name.to_string());
    run_list(&graph(), &req, Some(file))
}

#[test]
fn selectors_yml_definitions_match_dbt() {
    let file = selectors(SELECTORS_YML);
    let nightly = strings(&[
        "exposure:proj.dash",
        "metric:proj.total_cnt",
        "proj.marts.dim",
        "proj.marts.downstream",
        "proj.marts.fct",
        "proj.staging.stg_a",
        "saved_query:proj.sq1",
        "semantic_model:proj.fct_sm",
        "proj.snap.snap",
        "proj.staging.accepted_values_stg_a_id__1__2",
        "proj.assert_fct",
        "proj.marts.not_null_fct_id",
        "proj.staging.not_null_stg_a_id",
        "proj.marts.relationships_fct_id__id__ref_dim_",
        "proj.marts.unique_fct_id",
        "unit_test:proj.test_fct",
    ]);
    assert_eq!(with_selector(&file, "nightly"), nightly);
    assert_eq!(with_selector(&file, "ref_sel"), nightly);
    assert_eq!(
        with_selector(&file, "combo"),
        strings(&[
            "pkg.stg_a",
            "proj.staging.stg_a",
            "source:proj.raw.t1",
            "proj.staging.accepted_values_stg_a_id__1__2",
            "proj.staging.not_null_stg_a_id",
        ])
    );
    let cautious = strings(&[
        "proj.marts.fct",
        "proj.marts.not_null_fct_id",
        "proj.marts.unique_fct_id",
        "unit_test:proj.test_fct",
    ]);
    assert_eq!(with_selector(&file, "cautious"), cautious);
    assert_eq!(file.default_selector_name(), Some("cautious"));
    assert_eq!(file.selectors[0].description, "nightly");
    assert_eq!(file.selectors[1].location.line, Some(8));

    // the default selector applies only without --select and --exclude
    let r = expect_ok(list(
        &graph(),
        &request(&[], &[], IndirectSelection::Eager),
        Some(&file),
        None,
    ));
    assert_eq!(r.lines, cautious);
    assert_eq!(r.default_selector.as_deref(), Some("cautious"));
    let r = expect_ok(list(
        &graph(),
        &request(&["dim"], &[], IndirectSelection::Eager),
        Some(&file),
        None,
    ));
    assert_eq!(
        r.lines,
        strings(&[
            "proj.marts.dim",
            "proj.marts.relationships_fct_id__id__ref_dim_"
        ])
    );
    let r = expect_ok(list(
        &graph(),
        &request(&[], &["fct"], IndirectSelection::Eager),
        Some(&file),
        None,
    ));
    assert_eq!(r.lines.len(), 22);
    // --selector wins over --select
    let mut req = request(&["dim"], &[], IndirectSelection::Eager);
    req.selection.selector = Some("cautious".into());
    assert_eq!(run_list(&graph(), &req, Some(&file)), cautious);

    let e = expect_err(file.get("zzz"));
    assert_eq!(e.message, "Could not find selector named zzz, expected one of ['nightly', 'combo', 'ref_sel', 'cautious']");
}

#[test]
fn selectors_yml_quirks() {
    // a mapping with `exclude` inside a union is only an exclusion
    let f = selectors("selectors:\n  - name: a\n    definition:\n      union:\n        - method: tag\n          value: nightly\n          exclude: [fct]\n");
    assert_eq!(with_selector(&f, "a"), Vec::<String>::new());
    // `parents_depth: 0` is falsy, hence unbounded; a string depth is parsed
    let f = selectors(
        "selectors:\n  - name: a\n    definition: {method: fqn, value: fct, parents: true, parents_depth: 0}\n  - name: b\n    definition: {method: fqn, value: fct, parents: true, parents_depth: '1'}\n",
    );
    assert_eq!(with_selector(&f, "a").len(), 13);
    assert_eq!(with_selector(&f, "b").len(), 10);
    // dict values are literal: no graph operators inside `value`
    let f = selectors("selectors:\n  - name: a\n    definition: {method: fqn, value: '+fct'}\n");
    assert_eq!(with_selector(&f, "a"), Vec::<String>::new());
    // a single-key mapping is method: value; truthy strings enable flags
    let f = selectors("selectors:\n  - name: a\n    definition: {method: fqn, value: stg_b, children: false, parents: 'yes'}\n  - name: b\n    definition:\n      tag: srctag\n");
    assert_eq!(
        with_selector(&f, "a"),
        strings(&[
            "proj.staging.stg_b",
            "proj.seed_a",
            "source:proj.raw.t2",
            "proj.assert_fct"
        ])
    );
    assert_eq!(with_selector(&f, "b"), strings(&["source:proj.raw.t1"]));
    // YAML 1.1 booleans as PyYAML reads them; `y` stays a string
    let f = selectors("selectors:\n  - name: a\n    definition: {method: config.enabled, value: yes}\n  - name: b\n    definition: {method: config.enabled, value: y}\n");
    assert_eq!(with_selector(&f, "a").len(), 24);
    assert_eq!(with_selector(&f, "b"), Vec::<String>::new());
    // a repeated name keeps the last definition
    let f = selectors(
        "selectors:\n  - name: a\n    definition: fct\n  - name: a\n    definition: dim\n",
    );
    assert_eq!(f.selectors.len(), 1);
    assert_eq!(
        with_selector(&f, "a"),
        strings(&[
            "proj.marts.dim",
            "proj.marts.relationships_fct_id__id__ref_dim_"
        ])
    );
    // groups from YAML are eager even when their criteria are cautious
    let f = selectors("selectors:\n  - name: a\n    definition:\n      union:\n        - {method: fqn, value: fct, indirect_selection: cautious}\n        - {method: fqn, value: dim, indirect_selection: cautious}\n");
    assert_eq!(
        with_selector(&f, "a"),
        strings(&[
            "proj.marts.dim",
            "proj.marts.fct",
            "proj.marts.not_null_fct_id",
            "proj.marts.unique_fct_id",
            "unit_test:proj.test_fct"
        ])
    );
    // ... while command-line unions use the flag
    assert_eq!(
        run_list(
            &graph(),
            &request(&["fct", "dim"], &[], IndirectSelection::Cautious),
            None
        ),
        strings(&[
            "proj.marts.dim",
            "proj.marts.fct",
            "proj.marts.not_null_fct_id",
            "proj.marts.relationships_fct_id__id__ref_dim_",
            "proj.marts.unique_fct_id",
            "unit_test:proj.test_fct",
        ])
    );
    // nested set operations with a root-level exclusion
    let f = selectors("selectors:\n  - name: a\n    definition:\n      intersection:\n        - union: [+fct, dim]\n        - resource_type:model\n        - exclude: [stg_b]\n");
    assert_eq!(with_selector(&f, "a").len(), 9);
    // empty file
    assert!(selectors("").selectors.is_empty());
    assert!(selectors("# nothing\n").selectors.is_empty());
}

#[test]
fn selectors_yml_errors_with_lines() {
    let err = |text: &str| {
        expect_err(parse_selectors_yaml(
            text,
            "selectors.yml",
            IndirectSelection::Eager,
        ))
    };
    let e = err("selectors:\n  - name: a\n    definition: tag:x\n  - name: b\n    definition:\n      union:\n        - selector: a\n");
    assert_eq!(e.message, "'selector' is not a valid method name");
    assert_eq!(e.location.file.as_deref(), Some("selectors.yml"));
    assert_eq!(e.location.line, Some(7));
    let e = err("selectors:\n  - name: a\n    definition: {method: selector, value: b}\n  - name: b\n    definition: fct\n");
    assert_eq!(e.message, "Existing selector definition for b not found.");
    assert_eq!(e.location.line, Some(3));
    let e = err("selectors:\n  - name: a\n    default: true\n    definition: fct\n  - name: b\n    default: true\n    definition: dim\n");
    assert_eq!(e.message, "Error when parsing the selector file. Found multiple selectors with `default: true`:a and b");
    assert_eq!(e.location.line, Some(5));
    let e = err(
        "selectors:\n  - name: a\n    definition:\n      union: [fct]\n      intersection: [dim]\n",
    );
    assert_eq!(
        e.message,
        "Only a single 'union' or 'intersection' key is allowed in a root level selector definition; found union,intersection."
    );
    let e = err("selectors:\n  - name: a\n    definition:\n      union:\n        - +fct\n        - exclude: [stg_a]\n        - exclude: [stg_b]\n");
    assert!(e.message.starts_with(
        "You cannot provide multiple exclude arguments to the same selector set operator:"
    ));
    assert_eq!(e.location.line, Some(7));
    let e = err("selectors:\n  - name: a\n    definition:\n      - fct\n");
    assert!(e.message.contains("No lists"));
    assert_eq!(e.location.line, Some(4));
    let e = err("selectors:\n  - name: a\n    whatever: 1\n    definition: fct\n");
    assert!(e.message.starts_with("Could not parse selector file data"));
    let e = err("extra: 1\nselectors: []\n");
    assert!(e.message.starts_with("Could not parse selector file data"));
    let e = err("selectors:\n  - name: a\n");
    assert_eq!(
        e.message,
        "Could not parse selector file data: 'definition' is a required property"
    );
    let e = err("selectors:\n  - name: a\n    definition: {union: fct}\n");
    assert_eq!(
        e.message,
        "Invalid value for key \"union\". Expected a list."
    );
    let e = err("selectors:\n  - name: a\n    definition: {union: [5]}\n");
    assert_eq!(
        e.message,
        "Invalid value type <class 'int'> in key \"union\", expected dict or str (value: 5)."
    );
    let e = err("selectors:\n  - name: a\n    definition: {exclude: [fct]}\n");
    assert_eq!(e.message, "'exclude' is not a valid method name");
    let e = err("selectors:\n  - name: a\n    definition: {method: fqn}\n");
    assert_eq!(e.message, "'method' is not a valid method name");
    let e = err("selectors:\n  - name: a\n    definition: {method: fqn, value: x, indirect_selection: bogus}\n");
    assert_eq!(e.message, "'bogus' is not a valid IndirectSelection");
    let e = err("selectors:\n  - name: a\n    definition: {method: fqn, value: x, parents: true, parents_depth: abc}\n");
    assert_eq!(
        e.message,
        "Invalid node spec - could not handle parent depth abc"
    );
    let e = err("selectors:\n  - name: a\n    definition: {method: fqn, value: stg_b, childrens_parents: true, children: true}\n");
    assert_eq!(
        e.message,
        "Invalid node spec {'method': 'fqn', 'value': 'stg_b', 'childrens_parents': True, 'children': True} - \"@\" prefix and \"+\" suffix are incompatible"
    );
    // unknown keys next to method/value are ignored
    let f = selectors("selectors:\n  - name: a\n    definition: {method: fqn, value: x, a: 1}\n");
    assert_eq!(f.selectors.len(), 1);
    let e = err("selectors: [\n");
    assert!(e.message.starts_with("Could not read selector file:"));
    assert_eq!(e.kind, ErrorKind::Selectors);
}

#[test]
fn selectors_from_rendered_json() {
    let data = json!({"selectors": [{"name": "x", "definition": {"union": ["dim", {"method": "tag", "value": "srctag"}]}}]});
    let file = expect_ok(parse_selectors_value(
        &data,
        "selectors.yml",
        IndirectSelection::Eager,
    ));
    assert_eq!(
        with_selector(&file, "x"),
        strings(&[
            "proj.marts.dim",
            "source:proj.raw.t1",
            "proj.marts.relationships_fct_id__id__ref_dim_"
        ])
    );
}

/// A previous state to compare with: the current graph, with edits.
fn previous(edit: impl FnOnce(&mut SelectGraph)) -> PreviousState {
    let mut g = graph();
    edit(&mut g);
    PreviousState {
        graph: Some(g),
        ..Default::default()
    }
}

fn node_mut<'g>(g: &'g mut SelectGraph, uid: &str) -> &'g mut SelectNode {
    match g.nodes.get_mut(uid) {
        Some(n) => n,
        None => panic!("no node {uid}"),
    }
}

#[test]
fn state_new_old_and_body() {
    let g = graph();
    let state = previous(|p| {
        p.nodes.remove("model.proj.stg_b");
        p.nodes.remove("source.proj.raw.t2");
        node_mut(p, "model.proj.dim").raw_code = "select 2".into();
        node_mut(p, "seed.proj.seed_a").checksum = "old".into();
        // a generic test's body does not count for `modified`
        node_mut(p, "test.proj.not_null_fct_id.32930a35e7").raw_code = "x".into();
    });
    assert_eq!(
        expect_ok(ids(&g, &["state:new"], Some(&state))),
        strings(&["model.proj.stg_b", "source.proj.raw.t2"])
    );
    assert_eq!(expect_ok(ids(&g, &["state:old"], Some(&state))).len(), 27);
    assert_eq!(
        expect_ok(ids(&g, &["state:modified.body"], Some(&state))),
        strings(&[
            "model.proj.dim",
            "model.proj.stg_b",
            "seed.proj.seed_a",
            "test.proj.not_null_fct_id.32930a35e7",
        ])
    );
    // new sources are not "modified"; new models are
    assert_eq!(
        expect_ok(ids(&g, &["state:modified"], Some(&state))),
        strings(&["model.proj.dim", "model.proj.stg_b", "seed.proj.seed_a"])
    );
    let unmodified = expect_ok(ids(&g, &["state:unmodified"], Some(&state)));
    assert_eq!(unmodified.len(), 29 - 3);
    assert!(unmodified.contains(&"source.proj.raw.t2".to_string()));
}

#[test]
fn state_configs_relation_descriptions_contract() {
    let mut g = graph();
    node_mut(&mut g, "model.proj.dim").unrendered_config =
        json!({"materialized": "table", "tags": ["x"]});
    node_mut(&mut g, "model.proj.fct").unrendered_config = json!({"tags": ["new"], "schema": "s2"});
    node_mut(&mut g, "model.proj.stg_a").description = "second".into();
    node_mut(&mut g, "model.proj.stg_b").description = "second".into();
    node_mut(&mut g, "source.proj.raw.t1").identifier = Some("t1x".into());
    node_mut(&mut g, "model.proj.downstream").contract = SelectContract {
        enforced: true,
        checksum: Some("c".into()),
    };
    node_mut(
        &mut g,
        "test.proj.accepted_values_stg_a_id__1__2.e6e09d4e2a",
    )
    .unrendered_config = json!({"severity": "error", "tags": ["ignored"]});
    node_mut(&mut g, "exposure.proj.dash")
        .state_facets
        .insert("label".into(), json!("New Label"));
    node_mut(&mut g, "unit_test.proj.fct.test_fct").checksum = "changed".into();
    let state = previous(|p| {
        node_mut(p, "model.proj.dim").unrendered_config =
            json!({"materialized": "view", "tags": ["y"]});
        node_mut(p, "model.proj.fct").unrendered_config = json!({"tags": ["old"], "schema": "s1"});
        node_mut(p, "model.proj.stg_a").description = "first".into();
        node_mut(p, "model.proj.stg_b").description = "first".into();
        node_mut(p, "test.proj.accepted_values_stg_a_id__1__2.e6e09d4e2a").unrendered_config =
            json!({"severity": "warn", "tags": []});
    });
    let sel = |s: &str| expect_ok(ids(&g, &[s], Some(&state)));
    assert_eq!(
        sel("state:modified.configs"),
        strings(&[
            "model.proj.dim",
            "test.proj.accepted_values_stg_a_id__1__2.e6e09d4e2a"
        ])
    );
    assert_eq!(
        sel("state:modified.relation"),
        strings(&["model.proj.fct", "source.proj.raw.t1"])
    );
    // only stg_a persists its relation description
    assert_eq!(
        sel("state:modified.persisted_descriptions"),
        strings(&["model.proj.stg_a"])
    );
    assert_eq!(
        sel("state:modified.contract"),
        strings(&["model.proj.downstream"])
    );
    assert_eq!(
        sel("state:modified"),
        strings(&[
            "exposure.proj.dash",
            "model.proj.dim",
            "model.proj.downstream",
            "model.proj.fct",
            "model.proj.stg_a",
            "source.proj.raw.t1",
            "test.proj.accepted_values_stg_a_id__1__2.e6e09d4e2a",
            "unit_test.proj.fct.test_fct",
        ])
    );
}

#[test]
fn state_macros_are_followed_recursively() {
    let mut g = graph();
    if let Some(m) = g.macros.get_mut("macro.proj.m") {
        m.macro_sql = "{% macro m() %}2{% endmacro %}".into();
    }
    let state = PreviousState {
        graph: Some(graph()),
        ..Default::default()
    };
    assert_eq!(
        expect_ok(ids(&g, &["state:modified.macros"], Some(&state))),
        strings(&["model.proj.downstream"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["state:modified"], Some(&state))),
        strings(&["model.proj.downstream"])
    );
    // a removed macro counts as modified too
    let mut g2 = graph();
    g2.macros.remove("macro.proj.m");
    assert_eq!(
        expect_ok(ids(&g2, &["state:modified.macros"], Some(&state))),
        strings(&["model.proj.downstream"])
    );
    // with state:modified+ the children come along
    let spec = expect_ok(parse_difference(
        Some(&strings(&["state:modified+"])),
        None,
        IndirectSelection::Eager,
    ));
    let sel = expect_ok(select_nodes(
        &g,
        &spec,
        &SelectOptions::default(),
        Some(&state),
    ));
    assert_eq!(
        sel.selected.into_iter().collect::<Vec<_>>(),
        strings(&["model.proj.downstream"])
    );
}

fn contracted(g: &mut SelectGraph, uid: &str, data_type: &str) {
    let n = node_mut(g, uid);
    n.contract = SelectContract {
        enforced: true,
        checksum: Some(format!("sum-{data_type}")),
    };
    n.columns.insert(
        "id".into(),
        SelectColumn {
            name: "id".into(),
            data_type: Some(data_type.into()),
            constraints: vec![json!({"type": "not_null"})],
            ..Default::default()
        },
    );
    n.config = json!({"materialized": "table"});
}

#[test]
fn state_breaking_contract_changes() {
    // unversioned: a warning, and the model is modified
    let mut g = graph();
    contracted(&mut g, "model.proj.fct", "varchar");
    let state = previous(|p| contracted(p, "model.proj.fct", "integer"));
    let spec = expect_ok(parse_difference(
        Some(&strings(&["state:modified.contract"])),
        None,
        IndirectSelection::Empty,
    ));
    let sel = expect_ok(select_nodes(
        &g,
        &spec,
        &SelectOptions::default(),
        Some(&state),
    ));
    assert_eq!(
        sel.selected.iter().cloned().collect::<Vec<_>>(),
        strings(&["model.proj.fct"])
    );
    assert_eq!(
        sel.warnings[0].message,
        "Breaking change to contracted, unversioned model fct (models/marts/fct.sql)\nWhile comparing to previous project state, dbt detected a breaking change to an unversioned model.\n  - Columns with data_type changes: \n    - id (integer -> varchar)\n"
    );
    // size changes are not breaking
    let mut g = graph();
    contracted(&mut g, "model.proj.fct", "VARCHAR(20)");
    let state = previous(|p| contracted(p, "model.proj.fct", "varchar(10)"));
    let sel = expect_ok(select_nodes(
        &g,
        &spec,
        &SelectOptions::default(),
        Some(&state),
    ));
    assert_eq!(sel.selected.len(), 1);
    assert!(sel.warnings.is_empty(), "{:?}", sel.warnings);

    // versioned: an error
    let mut g = graph();
    contracted(&mut g, "model.proj.versioned.v1", "varchar");
    if let Some(c) = node_mut(&mut g, "model.proj.versioned.v1")
        .columns
        .get_mut("id")
    {
        c.constraints.clear();
    }
    let state = previous(|p| contracted(p, "model.proj.versioned.v1", "integer"));
    let e = expect_err(select_nodes(
        &g,
        &spec,
        &SelectOptions::default(),
        Some(&state),
    ));
    assert_eq!(
        e.message,
        "While comparing to previous project state, dbt detected a breaking change to an enforced contract.\n  - Columns with data_type changes: \n    - id (integer -> varchar)\n  - Enforced column level constraints were removed: \n    - 'ConstraintType.not_null' constraint on column id\nConsider making an additive (non-breaking) change instead, if possible.\nOtherwise, create a new model version: https://docs.getdbt.com/docs/collaborate/govern/model-versions"
    );

    // a contracted model that disappeared is reported
    let g = graph();
    let state = previous(|p| {
        let mut gone = p.nodes.get("model.proj.dim").cloned().unwrap_or_default();
        gone.unique_id = "model.proj.gone".into();
        gone.name = "gone".into();
        gone.original_file_path = "models/gone.sql".into();
        gone.contract.enforced = true;
        p.insert(gone);
    });
    let sel = expect_ok(select_nodes(
        &g,
        &spec,
        &SelectOptions::default(),
        Some(&state),
    ));
    assert!(sel.selected.is_empty());
    assert!(sel.warnings[0]
        .message
        .contains("Contracted model 'model.proj.gone' was deleted or renamed."));
    // unless past its deprecation date
    let state = previous(|p| {
        let mut gone = p.nodes.get("model.proj.dim").cloned().unwrap_or_default();
        gone.unique_id = "model.proj.gone".into();
        gone.contract.enforced = true;
        gone.deprecation_date = Some("2020-01-01T00:00:00".into());
        p.insert(gone);
    });
    let options = SelectOptions {
        now: Some("2024-01-01T00:00:00".into()),
        ..Default::default()
    };
    let sel = expect_ok(select_nodes(&g, &spec, &options, Some(&state)));
    let messages: Vec<&str> = sel.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        vec!["The selection criterion 'state:modified.contract' does not match any enabled nodes"]
    );
}

#[test]
fn result_and_source_status() {
    let g = graph();
    let state = PreviousState {
        results: Some(
            [
                ("model.proj.fct".to_string(), "error".to_string()),
                ("model.proj.dim".to_string(), "success".to_string()),
            ]
            .into_iter()
            .collect(),
        ),
        sources: Some(
            [
                (
                    "source.proj.raw.t1".to_string(),
                    SourceFreshness {
                        max_loaded_at: Some("2024-01-01T00:00:00".into()),
                    },
                ),
                (
                    "source.proj.raw.t2".to_string(),
                    SourceFreshness {
                        max_loaded_at: Some("2024-01-02T00:00:00".into()),
                    },
                ),
            ]
            .into_iter()
            .collect(),
        ),
        sources_current: Some(
            [
                (
                    "source.proj.raw.t1".to_string(),
                    SourceFreshness {
                        max_loaded_at: Some("2024-02-01T00:00:00".into()),
                    },
                ),
                (
                    "source.proj.raw.t2".to_string(),
                    SourceFreshness {
                        max_loaded_at: Some("2024-01-02T00:00:00".into()),
                    },
                ),
                (
                    "source.proj.other.t3".to_string(),
                    SourceFreshness {
                        max_loaded_at: None,
                    },
                ),
            ]
            .into_iter()
            .collect(),
        ),
        graph: None,
    };
    assert_eq!(
        expect_ok(ids(&g, &["result:error"], Some(&state))),
        strings(&["model.proj.fct"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["result:error+1"], Some(&state))).len(),
        // fct, 4 data tests, unit test, exposure, semantic model, analysis, downstream
        10
    );
    assert_eq!(
        expect_ok(ids(&g, &["source_status:fresher"], Some(&state))),
        strings(&["source.proj.raw.t1"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["source_status:other"], Some(&state))),
        Vec::<String>::new()
    );
}

#[test]
fn ls_output_formats() {
    let g = graph();
    let mut req = request(&["fct"], &[], IndirectSelection::Eager);
    req.output = ListOutput::Name;
    assert_eq!(
        run_list(&g, &req, None),
        strings(&[
            "fct",
            "assert_fct",
            "not_null_fct_id",
            "relationships_fct_id__id__ref_dim_",
            "unique_fct_id",
            "test_fct"
        ])
    );
    req.output = ListOutput::Path;
    assert_eq!(
        run_list(&g, &req, None),
        strings(&[
            "models/marts/fct.sql",
            "tests/assert_fct.sql",
            "models/marts/schema.yml",
            "models/marts/schema.yml",
            "models/marts/schema.yml",
            "models/marts/schema.yml",
        ])
    );
    let mut req = request(&["source:raw", "versioned"], &[], IndirectSelection::Eager);
    req.output = ListOutput::Name;
    assert_eq!(
        run_list(&g, &req, None),
        strings(&[
            "versioned.v1",
            "versioned.v2",
            "versioned.v3",
            "raw.t1",
            "raw.t2"
        ])
    );
    let mut req = request(&["fct"], &[], IndirectSelection::Eager);
    req.output = ListOutput::Json;
    req.output_keys = strings(&["name config.materialized", "resource_type"]);
    assert_eq!(
        run_list(&g, &req, None),
        strings(&[
            "{\"name\": \"fct\", \"config.materialized\": \"table\", \"resource_type\": \"model\"}",
            "{\"name\": \"assert_fct\", \"config.materialized\": \"test\", \"resource_type\": \"test\"}",
            "{\"name\": \"not_null_fct_id\", \"config.materialized\": \"test\", \"resource_type\": \"test\"}",
            "{\"name\": \"relationships_fct_id__id__ref_dim_\", \"config.materialized\": \"test\", \"resource_type\": \"test\"}",
            "{\"name\": \"unique_fct_id\", \"config.materialized\": \"test\", \"resource_type\": \"test\"}",
            "{\"name\": \"test_fct\", \"resource_type\": \"unit_test\"}",
        ])
    );
    // default keys, built from the node's fields
    let mut req = request(&["source:raw.t1", "stg_b"], &[], IndirectSelection::Empty);
    req.output = ListOutput::Json;
    assert_eq!(
        run_list(&g, &req, None),
        strings(&[
            "{\"name\": \"stg_b\", \"resource_type\": \"model\", \"package_name\": \"proj\", \"original_file_path\": \"models/staging/stg_b.sql\", \"unique_id\": \"model.proj.stg_b\", \"alias\": null, \"config\": {\"enabled\": true, \"materialized\": \"view\", \"access\": \"protected\", \"contract\": {\"enforced\": false}, \"tags\": [\"staging\"]}, \"tags\": [\"staging\"], \"depends_on\": {\"macros\": [], \"nodes\": [\"source.proj.raw.t2\", \"seed.proj.seed_a\"]}}",
            "{\"name\": \"t1\", \"resource_type\": \"source\", \"package_name\": \"proj\", \"original_file_path\": \"models/staging/sources.yml\", \"unique_id\": \"source.proj.raw.t1\", \"source_name\": \"raw\", \"tags\": [\"srctag\"], \"config\": {\"enabled\": true, \"tags\": [\"srctag\"]}}",
        ])
    );
}

#[test]
fn ls_json_from_manifest_entry_and_selectors() {
    let mut g = graph();
    node_mut(&mut g, "exposure.proj.dash").manifest = Some(json!({
        "name": "dash", "resource_type": "exposure", "package_name": "proj", "path": "schema.yml",
        "original_file_path": "models/marts/schema.yml", "unique_id": "exposure.proj.dash", "fqn": ["proj", "dash"],
        "type": "dashboard", "owner": {"email": "a@b.c", "name": null}, "description": "Ünïcode",
        "label": null, "tags": [], "config": {"enabled": true, "tags": [], "meta": {}},
        "depends_on": {"macros": [], "nodes": ["model.proj.fct"]}
    }));
    let mut req = request(&["exposure:dash"], &[], IndirectSelection::Eager);
    req.output = ListOutput::Json;
    assert_eq!(
        run_list(&g, &req, None),
        strings(&["{\"name\": \"dash\", \"resource_type\": \"exposure\", \"package_name\": \"proj\", \"original_file_path\": \"models/marts/schema.yml\", \"unique_id\": \"exposure.proj.dash\", \"tags\": [], \"config\": {\"enabled\": true, \"tags\": [], \"meta\": {}}, \"depends_on\": {\"macros\": [], \"nodes\": [\"model.proj.fct\"]}}"])
    );
    req.output_keys = strings(&[
        "description",
        "owner.name",
        "owner.email",
        "label",
        "missing",
        "fqn.0",
    ]);
    assert_eq!(
        run_list(&g, &req, None),
        strings(&["{\"description\": \"\\u00dcn\\u00efcode\", \"owner.email\": \"a@b.c\", \"label\": null}"])
    );

    // selector output for every kind of node
    let mut g = graph();
    node_mut(&mut g, "unit_test.proj.fct.test_fct").version = Some("2".into());
    let all: BTreeSet<String> = g.nodes.keys().cloned().collect();
    let lines = list_lines(&g, &all, ListOutput::Selector, &[]);
    for expected in [
        "proj.analysis.an",
        "exposure:proj.dash",
        "metric:proj.total_cnt",
        "saved_query:proj.sq1",
        "semantic_model:proj.fct_sm",
        "source:proj.raw.t1",
        "unit_test:proj.test_fct_v2",
        "proj.marts.versioned.v1",
    ] {
        assert!(lines.contains(&expected.to_string()), "{expected}");
    }
    assert_eq!(lines.len(), 29);
}

#[test]
fn path_only_matches_files_of_the_root_project() {
    let mut g = graph();
    // `models/pkg_model.sql` exists only inside the package
    assert_eq!(
        expect_ok(ids(&g, &["path:models/*.sql"], None)),
        Vec::<String>::new()
    );
    assert_eq!(expect_ok(ids(&g, &["path:models"], None)).len(), 25);
    // a known file list makes such paths exist
    g.project_files = Some(["models/pkg_model.sql".to_string()].into_iter().collect());
    assert_eq!(
        expect_ok(ids(&g, &["path:models/*.sql"], None)),
        strings(&["model.pkg.pkg_model"])
    );
}

#[test]
fn graph_building_and_serialization() {
    let g = graph();
    assert_eq!(
        g.edges.get("model.proj.fct").map(|c| c.len()),
        // analysis, downstream, exposure, semantic model, 4 data tests, unit test
        Some(9)
    );
    let text = match serde_json::to_string(&g) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let back: SelectGraph = match serde_json::from_str(&text) {
        Ok(b) => b,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(back, g);
    let spec = expect_ok(parse_difference(
        Some(&strings(&["+tag:a,b"])),
        None,
        IndirectSelection::Eager,
    ));
    let text = serde_json::to_value(&spec).unwrap_or_default();
    assert_eq!(text["kind"], json!("group"));
    assert_eq!(text["operation"], json!("difference"));
    assert_eq!(
        text["components"][0]["components"][0]["components"][0]["method"],
        json!("tag")
    );
}

#[test]
fn wildcards_in_method_values() {
    let g = graph();
    assert_eq!(
        expect_ok(ids(&g, &["tag:?taging"], None)),
        strings(&["model.proj.stg_a", "model.proj.stg_b"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["source:[!r]*"], None)),
        strings(&["source.proj.other.t3"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["package:[p]kg"], None)),
        strings(&["model.pkg.pkg_model", "model.pkg.stg_a"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["test_name:[nu]*"], None)),
        strings(&[
            "test.proj.not_null_fct_id.32930a35e7",
            "test.proj.not_null_stg_a_id.8f75690087",
            "test.proj.unique_fct_id.b17ca094e5",
        ])
    );
    assert_eq!(
        expect_ok(ids(&g, &["unit_test:test_*"], None)),
        strings(&["unit_test.proj.fct.test_fct"])
    );
    assert_eq!(
        expect_ok(ids(&g, &["group:f?nance"], None)),
        strings(&["model.proj.dim", "model.proj.fct"])
    );
}
