

with  __dbt__cte__int_order_payments as (
with payments as (

    select * from "dev"."main"."stg_payments"

)

select
    order_id,
    sum(case when payment_method = 'credit_card' then amount else 0 end) as credit_card_amount,
    sum(case when payment_method = 'coupon' then amount else 0 end) as coupon_amount,
    sum(case when payment_method = 'bank_transfer' then amount else 0 end) as bank_transfer_amount,
    sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount,
    count(*) as payment_count,
    sum(amount) as total_amount

from payments
group by order_id
),  __dbt__cte__int_order_items_priced as (
with order_items as (

    select * from "dev"."main"."stg_order_items"

),

products as (

    select * from "dev"."main"."stg_products"

)

select
    order_items.order_id,
    count(*) as item_count,
    sum(order_items.quantity) as unit_count,
    sum(order_items.quantity * products.price) as subtotal,
    sum(case when products.is_beverage then order_items.quantity else 0 end) as beverage_count

from order_items
inner join products
    on order_items.sku = products.sku
group by order_items.order_id
), orders as (

    select * from "dev"."main"."stg_orders"

    

),

payments as (

    select * from __dbt__cte__int_order_payments

),

items as (

    select * from __dbt__cte__int_order_items_priced

)

select
    orders.order_id,
    orders.customer_id,
    orders.order_date,
    orders.status,
    orders.status in ('completed', 'return_pending') as is_completed,
    coalesce(items.item_count, 0) as item_count,
    coalesce(items.unit_count, 0) as unit_count,
    coalesce(items.subtotal, 0) as subtotal,
    coalesce(payments.credit_card_amount, 0) as credit_card_amount,
    coalesce(payments.coupon_amount, 0) as coupon_amount,
    coalesce(payments.bank_transfer_amount, 0) as bank_transfer_amount,
    coalesce(payments.gift_card_amount, 0) as gift_card_amount,
    coalesce(payments.total_amount, 0) as amount

from orders
left join payments
    on orders.order_id = payments.order_id
left join items
    on orders.order_id = items.order_id