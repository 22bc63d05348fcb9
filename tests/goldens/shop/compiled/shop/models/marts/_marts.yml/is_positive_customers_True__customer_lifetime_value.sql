

select *
from "dev"."main"."customers"
where customer_lifetime_value < 0

