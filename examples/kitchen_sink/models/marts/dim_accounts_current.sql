{%- set ranks = kitchen_sink.tier_rank_map() -%}

select
    account_id,
    account_name,
    email,
    region,
    tier,
    case tier
    {%- for tier, rank in ranks.items() %}
        when '{{ tier }}' then {{ rank }}
    {%- endfor %}
    end as tier_rank,
    account_key
from {{ ref('stg_accounts') }}
