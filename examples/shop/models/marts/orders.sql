{{
    config(
        materialized='incremental',
        unique_key='order_id',
        on_schema_change='append_new_columns'
    )
}}

with orders as (

    select * from {{ ref('stg_orders') }}

    {% if is_incremental() %}
    -- only pick up orders at or after the newest order already loaded
    where order_date >= (select max(order_date) from {{ this }})
    {% endif %}

),

payments as (

    select * from {{ ref('int_order_payments') }}

),

items as (

    select * from {{ ref('int_order_items_priced') }}

)

select
    orders.order_id,
    orders.customer_id,
    orders.order_date,
    orders.status,
    orders.status in (
        {%- for status in var('completed_statuses') -%}
        '{{ status }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}
    ) as is_completed,
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
