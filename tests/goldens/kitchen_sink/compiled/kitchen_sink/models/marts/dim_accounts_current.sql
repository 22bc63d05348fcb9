select
    account_id,
    account_name,
    email,
    region,
    tier,
    case tier
        when 'free' then 0
        when 'pro' then 1
        when 'enterprise' then 2
    end as tier_rank,
    account_key
from dev.main_staging.stg_accounts