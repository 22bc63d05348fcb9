{#- third level: refers to both earlier ephemeral models -#}
with fx as (
    select * from {{ ref('eph_fx_transactions') }}
),

base_counts as (
    select account_id, count(*) as raw_transaction_count
    from {{ ref('eph_base_transactions') }}
    group by account_id
)

select
    fx.account_id,
    count(*) as transaction_count,
    max(base_counts.raw_transaction_count) as raw_transaction_count,
    sum({{ kitchen_sink.signed_amount('fx.amount_usd', 'fx.status') }}) as net_amount_usd,
    {{ trellis_utils.bool_or("fx.status = 'refunded'") }} as has_refund
from fx
left join base_counts
    on fx.account_id = base_counts.account_id
group by fx.account_id
