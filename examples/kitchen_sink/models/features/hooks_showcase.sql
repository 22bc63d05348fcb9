{{
    config(
        materialized='table',
        schema='reporting',
        pre_hook=["set threads = 1"],
        post_hook=[
            {"sql": "{{ kitchen_sink.audit_insert(this.name) }}", "transaction": true},
            "select count(*) from {{ this }}"
        ]
    )
}}

{% call set_sql_header(config) %}
set timezone = 'UTC';
{%- endcall %}

select
    account_id,
    count(*) as event_count,
    min(occurred_at) as first_event_at,
    max(occurred_at) as last_event_at
from {{ ref('stg_events') }}
group by account_id
