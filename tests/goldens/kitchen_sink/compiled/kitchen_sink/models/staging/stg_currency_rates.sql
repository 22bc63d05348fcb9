select
    currency_code,
    currency_name,
    rate_to_usd
from dev.main_lookups.currency_rates