{{ config(materialized='incremental', unique_key='transaction_id') }}

select
    transaction_id,
    amount >= {{ var('large_amount_threshold', 1000) }} as is_large,
    '{{ env_var("TRELLIS_REGION", "emea") }}' as region_label,
    {% if is_incremental() -%}
    true
    {%- else -%}
    false
    {%- endif %} as loaded_incrementally
from {{ ref('stg_transactions') }}
{% if is_incremental() %}
where transaction_id > (select max(transaction_id) from {{ this }})
{% endif %}
