{#- Cross-database helpers. Each public macro dispatches to an
    adapter-specific implementation; projects can override any of them by
    listing themselves first in a `dispatch:` search order. -#}

{% macro hash_key(columns) %}
    {{ return(adapter.dispatch('hash_key', 'trellis_utils')(columns)) }}
{% endmacro %}

{% macro default__hash_key(columns) -%}
    md5({% for column in columns %}coalesce(cast({{ column }} as varchar), '') {%- if not loop.last %} || '|' || {% endif %}{% endfor %})
{%- endmacro %}

{% macro duckdb__hash_key(columns) -%}
    md5(concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as varchar), ''){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}

{% macro postgres__hash_key(columns) -%}
    md5(concat_ws('|', {% for column in columns %}coalesce({{ column }}::text, ''){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}


{% macro bool_or(expression) %}
    {{ return(adapter.dispatch('bool_or', 'trellis_utils')(expression)) }}
{% endmacro %}

{% macro default__bool_or(expression) -%}
    max(case when {{ expression }} then 1 else 0 end) = 1
{%- endmacro %}

{% macro duckdb__bool_or(expression) -%}
    bool_or({{ expression }})
{%- endmacro %}

{% macro postgres__bool_or(expression) -%}
    bool_or({{ expression }})
{%- endmacro %}


{% macro day_series(start_date, end_date) %}
    {{ return(adapter.dispatch('day_series', 'trellis_utils')(start_date, end_date)) }}
{% endmacro %}

{% macro default__day_series(start_date, end_date) %}
with recursive days (date_day) as (
    select cast('{{ start_date }}' as date)
    union all
    select cast(date_day + interval '1 day' as date)
    from days
    where date_day < cast('{{ end_date }}' as date)
)
select date_day from days
{% endmacro %}

{% macro duckdb__day_series(start_date, end_date) %}
select cast(generate_series as date) as date_day
from generate_series(cast('{{ start_date }}' as date), cast('{{ end_date }}' as date), interval 1 day)
{% endmacro %}

{% macro postgres__day_series(start_date, end_date) %}
select cast(d as date) as date_day
from generate_series('{{ start_date }}'::date, '{{ end_date }}'::date, interval '1 day') as d
{% endmacro %}


{#- Zero-argument dispatch. -#}
{% macro dialect_name() %}{{ return(adapter.dispatch('dialect_name', 'trellis_utils')()) }}{% endmacro %}

{% macro default__dialect_name() %}{{ return('ansi') }}{% endmacro %}

{% macro duckdb__dialect_name() %}{{ return('duckdb') }}{% endmacro %}

{% macro postgres__dialect_name() %}{{ return('postgres') }}{% endmacro %}


{#- Only a default implementation: every adapter falls back to it. -#}
{% macro empty_string_as_null(expression) %}
    {{ return(adapter.dispatch('empty_string_as_null', 'trellis_utils')(expression)) }}
{% endmacro %}

{% macro default__empty_string_as_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}
