
    
    



select currency_code
from dev.main_staging.stg_currency_rates
where currency_code is null


