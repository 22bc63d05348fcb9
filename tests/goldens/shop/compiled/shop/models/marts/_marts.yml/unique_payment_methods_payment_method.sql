
    
    

select
    payment_method as unique_field,
    count(*) as n_records

from "dev"."main"."payment_methods"
where payment_method is not null
group by payment_method
having count(*) > 1


