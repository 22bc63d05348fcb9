select
    id as account_id,
    trim(name) as account_name,
    lower(email) as email,
    upper(region) as region,
    tier,
    created_at,
    updated_at,
    {{ trellis_utils.hash_key(['id', 'email']) }} as account_key
from {{ source('billing', 'accounts') }}
