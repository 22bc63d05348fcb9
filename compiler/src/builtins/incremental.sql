{#- Whether the model is being built incrementally: only when its table already exists. -#}

{% macro is_incremental() %}
    {% if not execute %}
        {{ return(False) }}
    {% else %}
        {% set existing = adapter.get_relation(this.database, this.schema, this.table) %}
        {{ return(existing is not none
                  and existing.type == 'table'
                  and model.config.materialized == 'incremental'
                  and not should_full_refresh()) }}
    {% endif %}
{% endmacro %}
