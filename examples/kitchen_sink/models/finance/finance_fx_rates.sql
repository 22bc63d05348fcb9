select currency_code, rate_to_usd
from {{ ref('stg_currency_rates') }}
