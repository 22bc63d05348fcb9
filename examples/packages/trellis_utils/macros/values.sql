{#- Macros that return values other than strings. Callers receive the
    Python object itself, not its rendering. -#}

{% macro status_labels() %}
    {{ return({
        'pending': 'Pending',
        'settled': 'Settled',
        'refunded': 'Refunded',
        'failed': 'Failed'
    }) }}
{% endmacro %}

{% macro fiscal_quarters(year) %}
    {%- set quarters = [] -%}
    {%- for q in range(1, 5) -%}
        {%- do quarters.append({'name': 'FY' ~ year ~ '-Q' ~ q, 'start_month': (q - 1) * 3 + 1}) -%}
    {%- endfor -%}
    {{ return(quarters) }}
{% endmacro %}

{% macro default_row_limit() %}
    {{ return(1000) }}
{% endmacro %}

{% macro is_enabled(feature) %}
    {{ return(feature in var('enabled_features', ['calendar'])) }}
{% endmacro %}

{% macro greeting() -%}
    {#- vars resolve against the package of the node being rendered, so a
        model in another project calling this macro does not see the
        trellis_utils-scoped value and gets the default instead -#}
    {{ var('utils_greeting', 'no greeting configured') }}
{%- endmacro %}
