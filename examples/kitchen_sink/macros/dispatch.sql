{#- A dispatched macro in this project's own namespace. -#}
{% macro epoch_seconds(column) %}
    {{ return(adapter.dispatch('epoch_seconds', 'kitchen_sink')(column)) }}
{% endmacro %}

{% macro default__epoch_seconds(column) -%}
    extract(epoch from {{ column }})
{%- endmacro %}

{% macro duckdb__epoch_seconds(column) -%}
    epoch({{ column }})
{%- endmacro %}

{% macro postgres__epoch_seconds(column) -%}
    extract(epoch from {{ column }})::bigint
{%- endmacro %}

{#- Override of a trellis_utils implementation: found first because the
    dispatch search order in dbt_project.yml lists kitchen_sink before the
    package. -#}
{% macro duckdb__bool_or(expression) -%}
    coalesce(bool_or({{ expression }}), false)
{%- endmacro %}
