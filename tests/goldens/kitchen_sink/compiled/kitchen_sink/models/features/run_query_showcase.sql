select
    currency_code,
    currency_code = 'EUR' as is_eur,
    currency_code = 'GBP' as is_gbp,
    currency_code = 'USD' as is_usd,
    'amer' as region_1,
    'apac' as region_2,
    'emea' as region_3,
    3 as currency_count
from dev.main_staging.stg_currency_rates