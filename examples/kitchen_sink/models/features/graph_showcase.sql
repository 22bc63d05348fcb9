{#- Reads the project graph. The graph is only populated during execution. -#}
{%- set staging_models = [] -%}
{%- set billing_tables = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') -%}
        {%- if 'staging' in node.tags -%}
            {%- do staging_models.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for source in graph.sources.values() if source.source_name == 'billing' -%}
        {%- do billing_tables.append(source.name) -%}
    {%- endfor -%}
{%- endif -%}

select
    {%- for name in staging_models | sort %}
    '{{ name }}' as staging_model_{{ loop.index }},
    {%- endfor %}
    {{ billing_tables | length }} as billing_table_count
