//! Compiling never panics, whatever the files hold: property tests that feed
//! the compile entry point fragments of dbt syntax in random order, and
//! random edits of a real project.

use proptest::prelude::*;
use trellis_compiler::{compile, ProjectInput};

const PROJECT: &str = "name: p\nversion: '1'\nconfig-version: 2\nprofile: p\n";

/// Pieces of Jinja, SQL and YAML that exercise the parser's edges.
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{%-",
    "-%}",
    "ref('a')",
    "ref('b', v=1)",
    "source('s', 't')",
    "config(materialized='table')",
    "{% macro m(x) %}",
    "{% endmacro %}",
    "{% test t(model) %}",
    "{% endtest %}",
    "{% if true %}",
    "{% endif %}",
    "{% for i in range(3) %}",
    "{% endfor %}",
    "{% set x = [] %}",
    "{% do x.append(1) %}",
    "{{ x }}",
    "{{ return(1) }}",
    "{{ m(1) }}",
    "{{ var('v', 1) }}",
    "{{ env_var('E', 'd') }}",
    "{{ adapter.dispatch('m')() }}",
    "{{ this }}",
    "select 1",
    "from",
    "with a as (",
    ")",
    "'",
    "\"",
    "\n",
    " ",
    "{% raw %}",
    "{% endraw %}",
    "{% snapshot s %}",
    "{% endsnapshot %}",
    "{% docs d %}",
    "{% enddocs %}",
    "{{ {'a': [1, {'b': 2}]} }}",
    "[",
    "]",
    "{",
    "}",
    "{% call statement('x') %}",
    "{% endcall %}",
    "{{ run_query('select 1') }}",
    "{{ fromjson('[1') }}",
    "{{ exceptions.raise_compiler_error('x') }}",
];

const YAML_PIECES: &[&str] = &[
    "version: 2\n",
    "models:\n",
    "  - name: a\n",
    "    columns:\n",
    "      - name: id\n",
    "        tests: [unique, not_null]\n",
    "    versions:\n",
    "      - v: 1\n",
    "sources:\n",
    "  - name: s\n",
    "    tables:\n",
    "      - name: t\n",
    "unit_tests:\n",
    "  - name: u\n",
    "    model: a\n",
    "    given: []\n",
    "exposures:\n",
    "    depends_on: [\"ref('a')\"]\n",
    "- ",
    ": ",
    "[",
    "{",
    "&a ",
    "*a ",
    "<<: *a\n",
    "\t",
    "'",
    "\"",
];

fn joined(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(pieces), 0..max).prop_map(|v| v.concat())
}

fn project(a: String, b: String, m: String, y: String) -> ProjectInput {
    let mut input = ProjectInput::default();
    input.add_file("dbt_project.yml", PROJECT);
    input.add_file("models/a.sql", a);
    input.add_file("models/b.sql", b);
    input.add_file("macros/m.sql", m);
    input.add_file("models/schema.yml", y);
    input
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn random_fragments_never_panic(
        a in joined(PIECES, 24),
        b in joined(PIECES, 24),
        m in joined(PIECES, 24),
        y in joined(YAML_PIECES, 16),
    ) {
        let out = compile(&project(a, b, m, y));
        // Every node either compiled or has a diagnostic explaining why not.
        for n in out.manifest.nodes.values() {
            if n.compiled_code.is_none() && !matches!(n.resource_type, trellis_compiler::nodes::ResourceType::Seed) {
                prop_assert!(
                    out.diagnostics.iter().any(|d| d.is_error()),
                    "{} was not compiled and no error says why", n.unique_id
                );
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(a in ".{0,200}", y in ".{0,200}", p in ".{0,120}") {
        let mut input = project(a, String::new(), String::new(), y);
        input.add_file("dbt_project.yml", p);
        let _ = compile(&input);
    }
}
