select
    date_trunc('month', order_date) as order_month,
    count(*) as order_count,
    sum(amount) as revenue
from "dev"."main"."orders"
group by 1
order by 1