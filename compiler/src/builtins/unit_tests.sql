{#- Unit test fixtures: each given input becomes a select of literal rows, cast
    to the types of the relation it stands in for. The whitespace of the
    output is dbt's, since it ends up in the compiled SQL. -#}

{% macro get_fixture_sql(rows, column_name_to_data_types) %}
-- Fixture for {{ model.name }}
{% set defaults = {} %}
{%- if not column_name_to_data_types -%}
{%-   set column_name_to_data_types = {} -%}
{%-   set column_name_to_quoted = {} -%}
{%-   for col in adapter.get_columns_in_relation(this) -%}
{%-     do column_name_to_data_types.update({col.name | lower: col.data_type}) -%}
{%-     do column_name_to_quoted.update({col.name | lower: col.quoted}) -%}
{%-   endfor -%}
{%- endif -%}
{%- if not column_name_to_data_types -%}
    {{ exceptions.raise_compiler_error("Not able to get columns for unit test '" ~ model.name ~ "' from relation " ~ this ~ " because the relation doesn't exist") }}
{%- endif -%}
{%- for name, type in column_name_to_data_types.items() -%}
    {%- do defaults.update({name: (safe_cast("null", type) | trim)}) -%}
{%- endfor -%}
{{ validate_fixture_rows(rows, row_number) }}
{%- for row in rows -%}
{%-   set values = defaults.copy() -%}
{%-   do values.update(format_row(row, column_name_to_data_types)) -%}
select
{%-   for name, value in values.items() %} {{ value }} as {{ column_name_to_quoted[name] }}{% if not loop.last -%}, {%- endif %}
{%-   endfor %}
{%-   if not loop.last %}
union all
{%    endif %}
{%- endfor -%}
{%- if rows | length == 0 -%}
    select
    {%- for name, value in defaults.items() %} {{ value }} as {{ column_name_to_quoted[name] }}{% if not loop.last -%},{%- endif %}
    {%- endfor %}
    limit 0
{%- endif -%}
{% endmacro %}

{%- macro format_row(row, column_name_to_data_types) -%}
    {#- keys are matched without regard to case -#}
    {%- set out = {} -%}
    {%- for key, value in row.items() -%}
        {%- set key = key | lower -%}
        {%- if key not in column_name_to_data_types -%}
            {%- set fixture_name = "expected output" if model.resource_type == 'unit_test' else ("'" ~ model.name ~ "'") -%}
            {{ exceptions.raise_compiler_error(
                "Invalid column name: '" ~ key ~ "' in unit test fixture for " ~ fixture_name ~ "."
                "\nAccepted columns for " ~ fixture_name ~ " are: " ~ (column_name_to_data_types.keys() | list)
            ) }}
        {%- endif -%}
        {%- set type = column_name_to_data_types[key] -%}
        {#- a string keeps its full length: no varchar size on its cast -#}
        {%- if value is string and 'varying' in type -%}
            {%- set type = type.split('(')[0] -%}
        {%- endif -%}
        {%- if value is string -%}
            {%- set literal = dbt.string_literal(dbt.escape_single_quotes(value)) -%}
        {%- elif value is none -%}
            {%- set literal = 'null' -%}
        {%- else -%}
            {%- set literal = value -%}
        {%- endif -%}
        {%- do out.update({key: safe_cast(literal, type)}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro -%}

{%- macro validate_fixture_rows(rows, row_number) -%}
  {{ return(adapter.dispatch('validate_fixture_rows', 'dbt')(rows, row_number)) }}
{%- endmacro -%}

{%- macro default__validate_fixture_rows(rows, row_number) -%}
{%- endmacro -%}
