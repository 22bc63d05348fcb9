select
    account_id,
    account_name,
    region,
    tier
from dev.main_staging.stg_accounts