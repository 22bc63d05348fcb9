{{ config(materialized='view', tags=['finance']) }}

select
    payment_method,
    count(*) as payment_count,
    sum(amount) as total_amount,
    round(avg(amount), 2) as average_amount

from {{ ref('stg_payments') }}
group by payment_method
