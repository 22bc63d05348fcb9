

with limits as (
    select 1000 as row_limit
)

select
    6 as region_index_sum,
    'EMEA,AMER,APAC' as region_labels,
    'free_1,enterprise_2' as collected_tiers,
    2 as collected_count,
    'USD' as settings_currency,
    4 as settings_precision,
    date '2024-01-01' as window_start,
    date '2024-01-31' as window_end,
    timestamp '2024-02-29 23:59:59' as month_end,
    29 as days_between,
    '_iscal__ear_____' as cleaned_label,
    case t.status
        when 'pending' then 'Pending'
        when 'settled' then 'Settled'
        when 'refunded' then 'Refunded'
        when 'failed' then 'Failed'
        else 'Unknown'
    end as status_label,
    'FY2025-Q1,FY2025-Q2,FY2025-Q3,FY2025-Q4' as fiscal_quarter_names,
    'FY2025-Q2' as second_quarter,
    2000 as doubled_limit,
    t.account_id + t.amount as column_sum,
    6 as weight_total,
    true as parsed_enabled,
    5 as yaml_threshold,
    'beta' as yaml_last_name,
    '{"b": 1, "a": [1, 2]}' as json_text,
    'acct-007' as formatted,
    'already_trimmed' as trimmed,
    'Snake Case Words' as titled,
    1 as smallest,
    3 as range_length,
    'regions=emea/amer/apac' as captured_block,
    '{{ not rendered }}' as raw_text,
    '8da0e23f3f99cb9bead1a5487f8f45a7' as md5_of_name,
    null as undefined_var,
    'jinja_showcase' as model_name,
    'model.kitchen_sink.jinja_showcase' as model_unique_id
from dev.main_staging.stg_txn as t
cross join limits
limit 1000