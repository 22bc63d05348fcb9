select
    account_id,
    account_name,
    region,
    tier
from {{ ref('stg_accounts') }}
