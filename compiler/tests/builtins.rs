//! dbt's built-in macros (`dbt`, `dbt_duckdb`, `dbt_postgres`) compiled
//! through the whole pipeline. Every expected string is what dbt-core 1.11.16
//! compiled from the same model: with dbt-duckdb 1.11.1 (`DUCKDB`) and with
//! dbt-postgres 1.10.2 (`POSTGRES`).

use std::collections::BTreeMap;
use trellis_compiler::{compile, ProjectInput, Severity, Target};

fn compile_models(
    target: Target,
    models: &[(&str, &str)],
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut input = ProjectInput {
        target,
        ..ProjectInput::default()
    };
    input.add_file(
        "dbt_project.yml",
        "name: t\nversion: '1.0'\nconfig-version: 2\nprofile: t\n",
    );
    for (name, sql) in models {
        input.add_file(format!("models/{name}.sql"), sql.to_string());
    }
    let out = compile(&input);
    let errors = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.file.clone().unwrap_or_default(), d.message))
        .collect();
    let compiled = out
        .manifest
        .nodes
        .values()
        .filter_map(|n| Some((n.name.clone(), n.compiled_code.clone()?)))
        .collect();
    (compiled, errors)
}

fn check(target: Target, cases: &[(&str, &str, &str)]) {
    let models: Vec<(&str, &str)> = cases.iter().map(|(n, t, _)| (*n, *t)).collect();
    let (out, errors) = compile_models(target, &models);
    assert!(errors.is_empty(), "errors: {errors:#?}");
    let mut failures = Vec::new();
    for (name, _, expected) in cases {
        let got = out
            .get(*name)
            .map(String::as_str)
            .unwrap_or("<not compiled>");
        if got != *expected {
            failures.push(format!("{name}:\n--- dbt\n{expected}\n--- trellis\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn postgres() -> Target {
    Target {
        adapter_type: "postgres".into(),
        database: "pgdb".into(),
        schema: "public".into(),
        ..Target::default()
    }
}

#[test]
fn duckdb_macros_match_dbt() {
    check(Target::default(), DUCKDB);
}

#[test]
fn postgres_macros_match_dbt() {
    check(postgres(), POSTGRES);
}

#[test]
fn adapter_packages_are_loaded_for_their_adapter_only() {
    let model = [("m", "{{ dbt.any_value('x') }}|{{ dbt_duckdb is defined }}")];
    let (duck, _) = compile_models(Target::default(), &model);
    let (pg, _) = compile_models(postgres(), &model);
    assert_eq!(duck["m"], "arbitrary(x)|False");
    assert_eq!(pg["m"], "min(x)|False");
}

#[test]
fn projects_override_dispatched_macros() {
    let mut input = ProjectInput::default();
    input.add_file(
        "dbt_project.yml",
        "name: t\nversion: '1.0'\nconfig-version: 2\nprofile: t\n",
    );
    input.add_file(
        "macros/m.sql",
        "{% macro duckdb__hash(field) %}sha256({{ field }}){% endmacro %}",
    );
    input.add_file(
        "models/m.sql",
        "select {{ dbt.hash('x') }}, {{ dbt.type_string() }}",
    );
    let out = compile(&input);
    assert_eq!(
        out.manifest.nodes["model.t.m"].compiled_code.as_deref(),
        Some("select sha256(x), TEXT")
    );
    let ids: Vec<&str> = out.macros.iter().map(|m| m.unique_id.as_str()).collect();
    for id in [
        "macro.dbt.dateadd",
        "macro.dbt.default__dateadd",
        "macro.dbt_duckdb.duckdb__dateadd",
        "macro.dbt.current_timestamp",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert!(!ids.iter().any(|id| id.starts_with("macro.dbt_postgres.")));
}

/// A project `t` of the given models (name, SQL), one properties file and
/// one macros file, compiled; no errors allowed.
fn compile_project(
    models: &[(&str, &str)],
    schema_yml: &str,
    macros: &str,
) -> trellis_compiler::compile::CompileOutput {
    let mut input = ProjectInput::default();
    input.add_file(
        "dbt_project.yml",
        "name: t\nversion: '1.0'\nconfig-version: 2\nprofile: t\n",
    );
    for (name, sql) in models {
        input.add_file(format!("models/{name}.sql"), *sql);
    }
    input.add_file("models/schema.yml", schema_yml);
    input.add_file("macros/overrides.sql", macros);
    let out = compile(&input);
    let errors: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.one_line())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    out
}

/// The one node of `out` that `is` picks out, for `what` in a failure.
fn node_where(
    out: &trellis_compiler::compile::CompileOutput,
    what: &str,
    is: impl Fn(&trellis_compiler::nodes::Node) -> bool,
) -> trellis_compiler::nodes::Node {
    out.manifest
        .nodes
        .values()
        .find(|n| is(n))
        .map(|n| (**n).clone())
        .unwrap_or_else(|| panic!("no {what}"))
}

/// dbt's own `accepted_values` and `relationships` bodies only write SQL,
/// which parsing throws away; a body that a project dispatches to instead
/// is rendered at parse time, and what it calls counts.
#[test]
fn generic_test_bodies_at_parse_time() {
    let project = |overrides: &str| {
        let out = compile_project(
            &[
                ("a", "select 1 as id"),
                ("b", "select 1 as id"),
                ("audit", "select 1 as id"),
            ],
            "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - accepted_values:\n              values: [1, 2]\n              quote: false\n          - relationships:\n              to: ref('b')\n              field: id\n",
            overrides,
        );
        let test = |kind: &str| {
            let prefix = format!("test.t.{kind}_");
            node_where(&out, &format!("{kind} test"), |n| {
                n.unique_id.starts_with(&prefix)
            })
        };
        (test("accepted_values"), test("relationships"))
    };

    let (values, rel) = project("");
    assert_eq!(
        values.depends_on_macros,
        [
            "macro.dbt.test_accepted_values",
            "macro.dbt.get_where_subquery"
        ]
    );
    assert_eq!(values.depends_on_nodes, ["model.t.a"]);
    assert_eq!(
        rel.depends_on_macros,
        [
            "macro.dbt.test_relationships",
            "macro.dbt.get_where_subquery"
        ]
    );
    assert_eq!(rel.depends_on_nodes, ["model.t.b", "model.t.a"]);
    assert!(rel
        .compiled_code
        .as_deref()
        .is_some_and(|c| c.contains(".\"main\".\"b\"")));

    let (values, rel) = project(
        "{% macro default__test_accepted_values(model, column_name, values, quote=True) %}\
         {{ config(severity='warn') }}select 1{% endmacro %}\n\
         {% macro default__test_relationships(model, column_name, to, field) %}\
         select * from {{ ref('audit') }}{% endmacro %}",
    );
    assert_eq!(values.config["severity"], "warn");
    assert_eq!(
        rel.depends_on_nodes,
        ["model.t.b", "model.t.a", "model.t.audit"]
    );
}

/// Model, template, and what dbt-core 1.11.16 with dbt-duckdb 1.11.1 compiles it to.
const DUCKDB: &[(&str, &str, &str)] = &[
    (
        "column_create",
        r#"select '{{ api.Column.translate_type("string") }} {{ api.Column.create("x", "string").data_type }} {{ api.Column.create("x", "varchar").data_type }} {{ api.Column.create("x", "integer").data_type }} {{ api.Column.create("x", "string").quoted }} {{ api.Column.create("x", "string").is_string() }}' as a"#,
        r#"select 'TEXT character varying(256) character varying(256) integer "x" True' as a"#,
    ),
    (
        "type_string",
        r#"select cast(x as {{ dbt.type_string() }})"#,
        r#"select cast(x as TEXT)"#,
    ),
    (
        "type_timestamp",
        r#"select cast(x as {{ dbt.type_timestamp() }})"#,
        r#"select cast(x as timestamp)"#,
    ),
    (
        "type_float",
        r#"select cast(x as {{ type_float() }})"#,
        r#"select cast(x as float)"#,
    ),
    (
        "type_numeric",
        r#"select cast(x as {{ dbt.type_numeric() }})"#,
        r#"select cast(x as numeric(28,6))"#,
    ),
    (
        "type_bigint",
        r#"select cast(x as {{ dbt.type_bigint() }})"#,
        r#"select cast(x as bigint)"#,
    ),
    (
        "type_int",
        r#"select cast(x as {{ dbt.type_int() }})"#,
        r#"select cast(x as integer)"#,
    ),
    (
        "type_boolean",
        r#"select cast(x as {{ dbt.type_boolean() }})"#,
        r#"select cast(x as boolean)"#,
    ),
    (
        "dateadd_day",
        r#"select {{ dbt.dateadd('day', 1, 'd') }} as x"#,
        r#"select 

    (d + cast(1 as bigint) * interval 1 day) as x"#,
    ),
    (
        "dateadd_quarter",
        r#"select {{ dbt.dateadd('quarter', 'n', 'd') }} as x"#,
        r#"select 

    (d + (cast(n as bigint) * 3) * interval 1 month) as x"#,
    ),
    (
        "dateadd_week_kwargs",
        r#"select {{ dbt.dateadd(datepart='week', interval=-2, from_date_or_timestamp='d') }} as x"#,
        r#"select 

    (d + (cast(-2 as bigint) * 7) * interval 1 day) as x"#,
    ),
    (
        "datediff_day",
        r#"select {{ dbt.datediff('a', 'b', 'day') }} as x"#,
        r#"select 
        (date_diff('day', a::timestamp, b::timestamp ))
     as x"#,
    ),
    (
        "datediff_week",
        r#"select {{ dbt.datediff('a', 'b', 'week') }} as x"#,
        r#"select 
            (
        (date_diff('day', a::timestamp, b::timestamp ))
     // 7 + case
            when date_part('dow', (a)::timestamp) <= date_part('dow', (b)::timestamp) then
                case when a <= b then 0 else -1 end
            else
                case when a <= b then 1 else 0 end
        end)
     as x"#,
    ),
    (
        "datediff_month",
        r#"select {{ dbt.datediff('a', 'b', 'month') }} as x"#,
        r#"select 
        (date_diff('month', a::timestamp, b::timestamp ))
     as x"#,
    ),
    (
        "datediff_second",
        r#"select {{ dbt.datediff('a', 'b', 'second') }} as x"#,
        r#"select 
        (date_diff('second', a::timestamp, b::timestamp ))
     as x"#,
    ),
    (
        "date_trunc",
        r#"select {{ dbt.date_trunc('month', 'd') }} as x"#,
        r#"select date_trunc('month', d) as x"#,
    ),
    (
        "last_day_month",
        r#"select {{ dbt.last_day('d', 'month') }} as x"#,
        r#"select cast(
        

    (

    (date_trunc('month', d) + cast(1 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as x"#,
    ),
    (
        "last_day_quarter",
        r#"select {{ dbt.last_day('d', 'quarter') }} as x"#,
        r#"select -- duckdb dateadd does not support quarter interval.
    cast(
        

    (

    (date_trunc('quarter', d) + cast(3 as bigint) * interval 1 month) + cast(-1 as bigint) * interval 1 day)
        as date) as x"#,
    ),
    (
        "date",
        r#"select {{ dbt.date(2023, 1, 5) }} as x"#,
        r#"select make_date(2023, 1, 5) as x"#,
    ),
    (
        "current_timestamp",
        r#"select {{ current_timestamp() }} as x, {{ dbt.snapshot_get_time() }} as y"#,
        r#"select now() as x, now()::timestamp as y"#,
    ),
    (
        "current_timestamp_backcompat",
        r#"select {{ dbt.current_timestamp_backcompat() }} as x, {{ dbt.current_timestamp_in_utc_backcompat() }} as y"#,
        r#"select 
    current_timestamp::timestamp
 as x, 
    current_timestamp::timestamp
 as y"#,
    ),
    (
        "concat",
        r#"select {{ dbt.concat(['a', "'-'", 'b']) }} as x"#,
        r#"select a || '-' || b as x"#,
    ),
    (
        "hash",
        r#"select {{ dbt.hash('x') }} as x"#,
        r#"select md5(cast(x as TEXT)) as x"#,
    ),
    (
        "safe_cast",
        r#"select {{ dbt.safe_cast('x', dbt.type_int()) }} as x, {{ dbt.cast('y', 'varchar') }} as y"#,
        r#"select 
    
    cast(x as integer)
 as x, 
    cast(y as varchar)
 as y"#,
    ),
    (
        "split_part",
        r#"select {{ dbt.split_part('s', "','", 2) }} as x, {{ dbt.split_part('s', "','", -1) }} as y"#,
        r#"select 
    string_split(s, ',')[ 2 ]
 as x, 
    string_split(s, ',')[ -1 ]
 as y"#,
    ),
    (
        "literals",
        r#"select {{ dbt.string_literal('hello') }} as x, '{{ dbt.escape_single_quotes("it's") }}' as y"#,
        r#"select 'hello' as x, 'it''s' as y"#,
    ),
    (
        "position_replace",
        r#"select {{ dbt.position("'a'", 's') }} as x, {{ dbt.replace('s', "'a'", "'b'") }} as y"#,
        r#"select 

    position(
        'a' in s
    ) as x, 

    replace(
        s,
        'a',
        'b'
    )


 as y"#,
    ),
    (
        "right_length",
        r#"select {{ dbt.right('s', 3) }} as x, {{ dbt.length('s') }} as y"#,
        r#"select 

    right(
        s,
        3
    ) as x, 

    length(
        s
    ) as y"#,
    ),
    (
        "cast_bool_to_text",
        r#"select {{ dbt.cast_bool_to_text('b') }} as x, {{ dbt.equals('a', 'b') }} as y"#,
        r#"select 
  
    cast(b as TEXT)

 as x, (a = b)
 as y"#,
    ),
    (
        "any_value_bool_or",
        r#"select {{ dbt.any_value('x') }} as x, {{ dbt.bool_or('y') }} as y"#,
        r#"select arbitrary(x) as x, bool_or(y) as y"#,
    ),
    (
        "listagg",
        r#"select {{ dbt.listagg('x') }} as a, {{ dbt.listagg('x', "', '", 'order by y') }} as b, {{ dbt.listagg('x', "'|'", 'order by y desc', 3) }} as c"#,
        r#"select 
    string_agg(
        x,
        ','
        
        ) as a, 
    string_agg(
        x,
        ', '
        order by y
        ) as b, list_aggr(
        (array_agg(
            x
            order by y desc
        ))[1:3],
        'string_agg',
        '|'
        ) as c"#,
    ),
    (
        "arrays",
        r#"select {{ dbt.array_construct(['1', '2']) }} as a, {{ dbt.array_construct([]) }} as b, {{ dbt.array_append('arr', '3') }} as c, {{ dbt.array_concat('a1', 'a2') }} as d"#,
        r#"select 
    array[ 1 , 2 ]
     as a, 
    array[]::integer[]
     as b, array_append(arr, 3) as c, array_cat(a1, a2) as d"#,
    ),
    (
        "set_operations",
        r#"select 1 {{ dbt.except() }} select 2 {{ dbt.intersect() }} select 3"#,
        r#"select 1 

    except

 select 2 

    intersect

 select 3"#,
    ),
    (
        "generate_series",
        r#"{{ dbt.generate_series(10) }}"#,
        r#"
    select
        generate_series as generated_number
    from generate_series(1, 10)
"#,
    ),
    (
        "powers_of_two",
        r#"select {{ dbt.get_powers_of_two(10) }} as p, {{ dbt.get_powers_of_two(1024) }} as q"#,
        r#"select 4 as p, 10 as q"#,
    ),
    (
        "empty_subquery",
        r#"select 1 from ({{ dbt.get_empty_subquery_sql('select 1') }}) {{ dbt.get_list_of_column_names([]) | length }}"#,
        r#"select 1 from (select * from (
        select 1
    ) as __dbt_sbq
    where false
    limit 0
) 0"#,
    ),
    (
        "information_schema_name",
        r#"select '{{ dbt.information_schema_name('db') }}' as x"#,
        r#"select 'db.INFORMATION_SCHEMA' as x"#,
    ),
    (
        "dispatch_direct",
        r#"select {{ adapter.dispatch('dateadd', 'dbt')('day', 1, 'd') }} as a, {{ dbt.default__dateadd('day', 1, 'd') }} as b"#,
        r#"select 

    (d + cast(1 as bigint) * interval 1 day) as a, 

    dateadd(
        day,
        1,
        d
        )

 as b"#,
    ),
];

/// The same models as dbt-core 1.11.16 with dbt-postgres 1.10.2 compiles them.
const POSTGRES: &[(&str, &str, &str)] = &[
    // postgres' column class leaves `text` as it is (read from its source).
    (
        "column_create",
        r#"select '{{ api.Column.translate_type("string") }} {{ api.Column.create("x", "string").data_type }} {{ api.Column.create("x", "varchar").data_type }} {{ api.Column.create("x", "integer").data_type }} {{ api.Column.create("x", "string").quoted }} {{ api.Column.create("x", "string").is_string() }}' as a"#,
        r#"select 'TEXT TEXT character varying(256) integer "x" True' as a"#,
    ),
    (
        "type_string",
        r#"select cast(x as {{ dbt.type_string() }})"#,
        r#"select cast(x as TEXT)"#,
    ),
    (
        "type_timestamp",
        r#"select cast(x as {{ dbt.type_timestamp() }})"#,
        r#"select cast(x as timestamp)"#,
    ),
    (
        "type_float",
        r#"select cast(x as {{ type_float() }})"#,
        r#"select cast(x as float)"#,
    ),
    (
        "type_numeric",
        r#"select cast(x as {{ dbt.type_numeric() }})"#,
        r#"select cast(x as numeric(28,6))"#,
    ),
    (
        "type_bigint",
        r#"select cast(x as {{ dbt.type_bigint() }})"#,
        r#"select cast(x as bigint)"#,
    ),
    (
        "type_int",
        r#"select cast(x as {{ dbt.type_int() }})"#,
        r#"select cast(x as integer)"#,
    ),
    (
        "type_boolean",
        r#"select cast(x as {{ dbt.type_boolean() }})"#,
        r#"select cast(x as boolean)"#,
    ),
    (
        "dateadd_day",
        r#"select {{ dbt.dateadd('day', 1, 'd') }} as x"#,
        r#"select 

    d + ((interval '1 day') * (1))

 as x"#,
    ),
    (
        "dateadd_quarter",
        r#"select {{ dbt.dateadd('quarter', 'n', 'd') }} as x"#,
        r#"select 

    d + ((interval '1 quarter') * (n))

 as x"#,
    ),
    (
        "dateadd_week_kwargs",
        r#"select {{ dbt.dateadd(datepart='week', interval=-2, from_date_or_timestamp='d') }} as x"#,
        r#"select 

    d + ((interval '1 week') * (-2))

 as x"#,
    ),
    (
        "datediff_day",
        r#"select {{ dbt.datediff('a', 'b', 'day') }} as x"#,
        r#"select 
        ((b)::date - (a)::date)
     as x"#,
    ),
    (
        "datediff_week",
        r#"select {{ dbt.datediff('a', 'b', 'week') }} as x"#,
        r#"select 
        (
        ((b)::date - (a)::date)
     / 7 + case
            when date_part('dow', (a)::timestamp) <= date_part('dow', (b)::timestamp) then
                case when a <= b then 0 else -1 end
            else
                case when a <= b then 1 else 0 end
        end)
     as x"#,
    ),
    (
        "datediff_month",
        r#"select {{ dbt.datediff('a', 'b', 'month') }} as x"#,
        r#"select 
        (
        (date_part('year', (b)::date) - date_part('year', (a)::date))
     * 12 + date_part('month', (b)::date) - date_part('month', (a)::date))
     as x"#,
    ),
    (
        "datediff_second",
        r#"select {{ dbt.datediff('a', 'b', 'second') }} as x"#,
        r#"select 
        (
        (
        (
        ((b)::date - (a)::date)
     * 24 + date_part('hour', (b)::timestamp) - date_part('hour', (a)::timestamp))
     * 60 + date_part('minute', (b)::timestamp) - date_part('minute', (a)::timestamp))
     * 60 + floor(date_part('second', (b)::timestamp)) - floor(date_part('second', (a)::timestamp)))
     as x"#,
    ),
    (
        "date_trunc",
        r#"select {{ dbt.date_trunc('month', 'd') }} as x"#,
        r#"select date_trunc('month', d) as x"#,
    ),
    (
        "last_day_month",
        r#"select {{ dbt.last_day('d', 'month') }} as x"#,
        r#"select cast(
        

    

    date_trunc('month', d) + ((interval '1 month') * (1))

 + ((interval '1 day') * (-1))


        as date) as x"#,
    ),
    (
        "last_day_quarter",
        r#"select {{ dbt.last_day('d', 'quarter') }} as x"#,
        r#"select -- postgres dateadd does not support quarter interval.
    cast(
        

    

    date_trunc('quarter', d) + ((interval '1 month') * (3))

 + ((interval '1 day') * (-1))


        as date) as x"#,
    ),
    (
        "date",
        r#"select {{ dbt.date(2023, 1, 5) }} as x"#,
        r#"select to_date('2023-01-05', 'YYYY-MM-DD') as x"#,
    ),
    (
        "current_timestamp",
        r#"select {{ current_timestamp() }} as x, {{ dbt.snapshot_get_time() }} as y"#,
        r#"select now() as x, now()::timestamp without time zone as y"#,
    ),
    (
        "current_timestamp_backcompat",
        r#"select {{ dbt.current_timestamp_backcompat() }} as x, {{ dbt.current_timestamp_in_utc_backcompat() }} as y"#,
        r#"select 
    current_timestamp::timestamp
 as x, 
    (current_timestamp at time zone 'utc')::timestamp
 as y"#,
    ),
    (
        "concat",
        r#"select {{ dbt.concat(['a', "'-'", 'b']) }} as x"#,
        r#"select a || '-' || b as x"#,
    ),
    (
        "hash",
        r#"select {{ dbt.hash('x') }} as x"#,
        r#"select md5(cast(x as TEXT)) as x"#,
    ),
    (
        "safe_cast",
        r#"select {{ dbt.safe_cast('x', dbt.type_int()) }} as x, {{ dbt.cast('y', 'varchar') }} as y"#,
        r#"select 
    
    cast(x as integer)
 as x, 
    cast(y as varchar)
 as y"#,
    ),
    (
        "split_part",
        r#"select {{ dbt.split_part('s', "','", 2) }} as x, {{ dbt.split_part('s', "','", -1) }} as y"#,
        r#"select 

  
    

    split_part(
        s,
        ',',
        2
        )


  

 as x, 

  
    

    split_part(
        s,
        ',',
          length(s)
          - length(
              replace(s,  ',', '')
          ) + 2 + -1
        )


  

 as y"#,
    ),
    (
        "literals",
        r#"select {{ dbt.string_literal('hello') }} as x, '{{ dbt.escape_single_quotes("it's") }}' as y"#,
        r#"select 'hello' as x, 'it''s' as y"#,
    ),
    (
        "position_replace",
        r#"select {{ dbt.position("'a'", 's') }} as x, {{ dbt.replace('s', "'a'", "'b'") }} as y"#,
        r#"select 

    position(
        'a' in s
    ) as x, 

    replace(
        s,
        'a',
        'b'
    )


 as y"#,
    ),
    (
        "right_length",
        r#"select {{ dbt.right('s', 3) }} as x, {{ dbt.length('s') }} as y"#,
        r#"select 

    right(
        s,
        3
    ) as x, 

    length(
        s
    ) as y"#,
    ),
    (
        "cast_bool_to_text",
        r#"select {{ dbt.cast_bool_to_text('b') }} as x, {{ dbt.equals('a', 'b') }} as y"#,
        r#"select 
  
    cast(b as TEXT)

 as x, (a = b)
 as y"#,
    ),
    (
        "any_value_bool_or",
        r#"select {{ dbt.any_value('x') }} as x, {{ dbt.bool_or('y') }} as y"#,
        r#"select min(x) as x, bool_or(y) as y"#,
    ),
    (
        "listagg",
        r#"select {{ dbt.listagg('x') }} as a, {{ dbt.listagg('x', "', '", 'order by y') }} as b, {{ dbt.listagg('x', "'|'", 'order by y desc', 3) }} as c"#,
        r#"select 
    string_agg(
        x,
        ','
        
        ) as a, 
    string_agg(
        x,
        ', '
        order by y
        ) as b, array_to_string(
        (array_agg(
            x
            order by y desc
        ))[1:3],
        '|'
        ) as c"#,
    ),
    (
        "arrays",
        r#"select {{ dbt.array_construct(['1', '2']) }} as a, {{ dbt.array_construct([]) }} as b, {{ dbt.array_append('arr', '3') }} as c, {{ dbt.array_concat('a1', 'a2') }} as d"#,
        r#"select 
    array[ 1 , 2 ]
     as a, 
    array[]::integer[]
     as b, array_append(arr, 3) as c, array_cat(a1, a2) as d"#,
    ),
    (
        "set_operations",
        r#"select 1 {{ dbt.except() }} select 2 {{ dbt.intersect() }} select 3"#,
        r#"select 1 

    except

 select 2 

    intersect

 select 3"#,
    ),
    (
        "generate_series",
        r#"{{ dbt.generate_series(10) }}"#,
        r#"

    

    with p as (
        select 0 as generated_number union all select 1
    ), unioned as (

    select

    
    p0.generated_number * power(2, 0)
     + 
    
    p1.generated_number * power(2, 1)
     + 
    
    p2.generated_number * power(2, 2)
     + 
    
    p3.generated_number * power(2, 3)
    
    
    + 1
    as generated_number

    from

    
    p as p0
     cross join 
    
    p as p1
     cross join 
    
    p as p2
     cross join 
    
    p as p3
    
    

    )

    select *
    from unioned
    where generated_number <= 10
    order by generated_number

"#,
    ),
    (
        "powers_of_two",
        r#"select {{ dbt.get_powers_of_two(10) }} as p, {{ dbt.get_powers_of_two(1024) }} as q"#,
        r#"select 4 as p, 10 as q"#,
    ),
    (
        "empty_subquery",
        r#"select 1 from ({{ dbt.get_empty_subquery_sql('select 1') }}) {{ dbt.get_list_of_column_names([]) | length }}"#,
        r#"select 1 from (select * from (
        select 1
    ) as __dbt_sbq
    where false
    limit 0
) 0"#,
    ),
    (
        "information_schema_name",
        r#"select '{{ dbt.information_schema_name('db') }}' as x"#,
        r#"select 'information_schema' as x"#,
    ),
    (
        "dispatch_direct",
        r#"select {{ adapter.dispatch('dateadd', 'dbt')('day', 1, 'd') }} as a, {{ dbt.default__dateadd('day', 1, 'd') }} as b"#,
        r#"select 

    d + ((interval '1 day') * (1))

 as a, 

    dateadd(
        day,
        1,
        d
        )

 as b"#,
    ),
];

/// dbt's own `unique` and `not_null` compile from one render per shape
/// (`TestShapes`): each test still gets its own column and model, a
/// `store_failures` test its own shape, a `where` its subquery, a ref to an
/// ephemeral model its CTE, and a project's override of the macro its own
/// render.
#[test]
fn builtin_tests_compile_from_their_shape() {
    let project = |overrides: &str| {
        let out = compile_project(
            &[
                ("a", "select 1 as id, 2 as code"),
                ("b", "select 1 as id"),
                ("e", "{{ config(materialized='ephemeral') }}select 1 as id"),
            ],
            "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [not_null, unique]\n      - name: code\n        data_tests:\n          - not_null:\n              config:\n                store_failures: true\n          - unique:\n              config:\n                where: \"id > 0\"\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n  - name: e\n    columns:\n      - name: id\n        data_tests: [not_null]\n",
            overrides,
        );
        move |name: &str| {
            let n = node_where(&out, &format!("test {name}"), |n| n.name == name);
            (n.compiled_code.unwrap_or_default(), n.depends_on_macros)
        }
    };
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");

    let test = project("");
    let (sql, macros) = test("not_null_a_id");
    assert_eq!(
        squash(&sql),
        r#"select id from "dev"."main"."a" where id is null"#
    );
    assert_eq!(
        macros,
        ["macro.dbt.test_not_null", "macro.dbt.get_where_subquery"]
    );
    assert_eq!(
        squash(&test("not_null_b_id").0),
        r#"select id from "dev"."main"."b" where id is null"#
    );
    assert_eq!(
        squash(&test("not_null_a_code").0),
        r#"select * from "dev"."main"."a" where code is null"#
    );
    assert_eq!(
        squash(&test("unique_a_id").0),
        r#"select id as unique_field, count(*) as n_records from "dev"."main"."a" where id is not null group by id having count(*) > 1"#
    );
    assert_eq!(
        squash(&test("unique_a_code").0),
        r#"select code as unique_field, count(*) as n_records from (select * from "dev"."main"."a" where id > 0) dbt_subquery where code is not null group by code having count(*) > 1"#
    );
    let (ephemeral, _) = test("not_null_e_id");
    assert!(
        squash(&ephemeral).starts_with("with __dbt__cte__e as ("),
        "{ephemeral}"
    );
    assert!(
        squash(&ephemeral).ends_with("select id from __dbt__cte__e where id is null"),
        "{ephemeral}"
    );

    let overridden = project(
        "{% macro default__test_not_null(model, column_name) %}select '{{ column_name }}' as overridden from {{ model }}{% endmacro %}",
    );
    assert_eq!(
        squash(&overridden("not_null_b_id").0),
        r#"select 'id' as overridden from "dev"."main"."b""#
    );
}
