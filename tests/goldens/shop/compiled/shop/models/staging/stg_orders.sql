with source as (

    select * from "dev"."main"."raw_orders"

),

renamed as (

    select
        id as order_id,
        user_id as customer_id,
        cast(order_date as date) as order_date,
        status

    from source
    where cast(order_date as date) >= cast('2024-01-01' as date)

)

select * from renamed