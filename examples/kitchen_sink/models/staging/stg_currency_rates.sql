select
    currency_code,
    currency_name,
    rate_to_usd
from {{ ref('currency_rates') }}
