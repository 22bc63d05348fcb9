{#- Small helpers that return values with return() and call each other. -#}

{% macro quoted_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ value ~ "'") -%}
    {%- endfor -%}
    {{- return(quoted | join(', ')) -}}
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    {{ return('case when ' ~ denominator ~ ' = 0 then null else ' ~ numerator ~ ' / ' ~ denominator ~ ' end') }}
{%- endmacro %}

{% macro sign_for_status(status_column) -%}
    case when {{ status_column }} = 'refunded' then -1 else 1 end
{%- endmacro %}

{% macro signed_amount(amount_column, status_column) -%}
    {#- calls another macro in the same project -#}
    {{ amount_column }} * {{ sign_for_status(status_column) }}
{%- endmacro %}

{% macro percent_of(part, whole, precision=1) -%}
    {#- calls another macro through the project namespace -#}
    round(100.0 * {{ kitchen_sink.safe_divide(part, whole) }}, {{ precision }})
{%- endmacro %}

{% macro column_list(prefix, names) -%}
    {%- set ns = namespace(parts=[]) -%}
    {%- for name in names -%}
        {%- set ns.parts = ns.parts + [prefix ~ '.' ~ name] -%}
    {%- endfor -%}
    {{ return(ns.parts) }}
{%- endmacro %}

{% macro tier_rank_map() %}
    {%- set ranks = {'free': 0} -%}
    {%- do ranks.update({'pro': 1, 'enterprise': 2}) -%}
    {{ return(ranks) }}
{% endmacro %}

{% macro label_case(column, mapping) -%}
    case {{ column }}
    {%- for key, label in mapping.items() %}
        when '{{ key }}' then '{{ label }}'
    {%- endfor %}
        else 'Unknown'
    end
{%- endmacro %}

{% macro named_cte(name) -%}
    {#- used with {% call %}: the caller's body becomes the CTE definition -#}
    {{ name }} as (
    {{ caller() }}
)
{%- endmacro %}

{#- Returns a variable that is only set when rows are found: unset, it is Jinja's undefined. -#}
{% macro maybe_rows(found) -%}
    {%- if found -%}{%- set rows = [1, 2] -%}{%- endif -%}
    {{ return(rows) }}
{%- endmacro %}
