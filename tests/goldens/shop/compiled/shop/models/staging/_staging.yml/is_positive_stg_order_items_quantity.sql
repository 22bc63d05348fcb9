

select *
from "dev"."main"."stg_order_items"
where quantity <= 0

