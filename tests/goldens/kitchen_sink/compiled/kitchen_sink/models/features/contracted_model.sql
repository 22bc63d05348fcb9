select
    cast(account_id as integer) as account_id,
    cast(region as varchar) as region,
    cast(tier as varchar) as tier
from dev.main_staging.stg_accounts