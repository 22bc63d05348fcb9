with account_flags as (

    select
        account_id,
        {{ trellis_utils.bool_or("status = 'failed'") }} as account_has_failure
    from {{ ref('stg_transactions') }}
    group by account_id

)

select
    t.transaction_id,
    {{ kitchen_sink.epoch_seconds('t.created_at') }} as created_epoch,
    {{ adapter.dispatch('epoch_seconds', 'kitchen_sink')('t.created_at') }} as created_epoch_direct,
    {{ trellis_utils.hash_key(['t.transaction_id', 't.currency_code']) }} as row_key,
    f.account_has_failure,
    {{ dbt.date_trunc('month', 't.created_at') }} as created_month,
    {{ dbt.dateadd('day', 7, 't.created_date') }} as due_date,
    {{ dbt.datediff('t.created_date', "cast('2024-12-31' as date)", 'day') }} as days_to_year_end,
    {{ dbt.concat(['t.currency_code', "'-'", 't.status']) }} as currency_status,
    {{ dbt.safe_cast('t.amount', api.Column.translate_type('string')) }} as amount_text,
    cast(null as {{ dbt.type_string() }}) as empty_text,
    {{ dbt.hash('t.status') }} as status_hash,
    t.{{ adapter.quote('status') }} as quoted_status,
    '{{ trellis_utils.greeting() }}' as package_greeting,
    '{{ trellis_utils.dialect_name() }}' as dialect,
    {{ trellis_utils.empty_string_as_null('t.status') }} as status_or_null
from {{ ref('stg_transactions') }} as t
inner join account_flags as f
    on t.account_id = f.account_id
