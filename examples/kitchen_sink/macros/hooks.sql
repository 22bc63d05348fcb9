{% macro log_results(results) %}
    {%- if execute -%}
        {%- for result in results -%}
            {{ log(result.node.unique_id ~ ': ' ~ result.status, info=false) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}

{% macro audit_insert(relation_name) -%}
    insert into {{ target.schema }}_audit.model_runs (model_name) values ('{{ relation_name }}')
{%- endmacro %}
