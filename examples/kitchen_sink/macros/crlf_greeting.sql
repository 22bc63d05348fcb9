{# written with Windows line endings: macro_sql keeps them #}
{% macro crlf_greeting(name) -%}
    'hello, ' || {{ name }}
{%- endmacro %}
