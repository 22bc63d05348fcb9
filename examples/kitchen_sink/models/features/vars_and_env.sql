select
    '{{ var("reporting_currency") }}' as reporting_currency,
    {{ var('history_days') }} as history_days,
    '{{ var("status_filter") | join("|") }}' as status_filter,
    '{{ var("not_defined_anywhere", "fallback") }}' as defaulted_var,
    {{ var('enabled_features') | length }} as enabled_feature_count,
    '{{ env_var("TRELLIS_X", "default") }}' as env_x,
    '{{ env_var("TRELLIS_REGION", "emea") }}' as env_region,
    '{{ target.name }}' as target_name,
    '{{ target.schema }}' as target_schema,
    '{{ target.type }}' as target_type,
    '{{ target.database }}' as target_database,
    {{ target.threads }} as target_threads,
    '{{ this }}' as this_relation,
    '{{ this.schema }}.{{ this.identifier }}' as this_parts,
    '{{ project_name }}' as project_name,
    '{{ config.get("materialized") }}' as configured_materialization,
    '{{ config.get("not_a_config_key", "absent") }}' as missing_config,
    '{{ model.config.meta.configured_in }}' as meta_configured_in,
    {% if target.name == 'dev' -%}
    'development' as environment
    {%- else -%}
    'other' as environment
    {%- endif %}
