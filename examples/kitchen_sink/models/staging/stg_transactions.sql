{{ config(materialized='table', alias='stg_txn') }}

select
    id as transaction_id,
    account_id,
    amount,
    upper(currency) as currency_code,
    status,
    created_at,
    cast(created_at as date) as created_date
from {{ source('billing', 'transactions') }}
where amount >= {{ var('min_transaction_amount') }}
