
    
    

select
    currency_code as unique_field,
    count(*) as n_records

from dev.main_lookups.currency_rates
where currency_code is not null
group by currency_code
having count(*) > 1


