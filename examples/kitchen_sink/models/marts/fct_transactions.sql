{{
    config(
        materialized='incremental',
        unique_key='transaction_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        tags=['sql_config'],
        meta={'configured_in': 'sql'},
        pre_hook="{{ log('building ' ~ this, info=false) }}",
        post_hook=[
            "{{ kitchen_sink.audit_insert(this.identifier) }}",
            "analyze {{ this }}"
        ]
    )
}}

with transactions as (

    select * from {{ ref('eph_fx_transactions') }}

    {% if is_incremental() %}
    where created_date > (select max(created_date) from {{ this }})
    {% endif %}

)

select
    transaction_id,
    account_id,
    status,
    created_date,
    amount,
    currency_code,
    amount_usd,
    {{ kitchen_sink.signed_amount('amount_usd', 'status') }} as signed_amount_usd,
    {{ trellis_utils.hash_key(['transaction_id', 'account_id']) }} as transaction_key
from transactions
