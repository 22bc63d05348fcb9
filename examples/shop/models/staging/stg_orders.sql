with source as (

    select * from {{ source('jaffle_raw', 'orders') }}

),

renamed as (

    select
        id as order_id,
        user_id as customer_id,
        cast(order_date as date) as order_date,
        status

    from source
    where cast(order_date as date) >= cast('{{ var("order_history_start") }}' as date)

)

select * from renamed
