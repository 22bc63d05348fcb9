

select *
from "dev"."main"."stg_payments"
where amount < 0

