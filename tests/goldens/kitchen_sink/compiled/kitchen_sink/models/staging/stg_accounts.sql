select
    id as account_id,
    trim(name) as account_name,
    lower(email) as email,
    upper(region) as region,
    tier,
    created_at,
    updated_at,
    md5(concat_ws('|', coalesce(cast(id as varchar), ''), coalesce(cast(email as varchar), ''))) as account_key
from dev.main.raw_accounts