with order_items as (

    select * from {{ ref('stg_order_items') }}

),

products as (

    select * from {{ ref('stg_products') }}

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
