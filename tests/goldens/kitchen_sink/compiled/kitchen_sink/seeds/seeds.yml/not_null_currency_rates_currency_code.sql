
    
    



select currency_code
from dev.main_lookups.currency_rates
where currency_code is null


