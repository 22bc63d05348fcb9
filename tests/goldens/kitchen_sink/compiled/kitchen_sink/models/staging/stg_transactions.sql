

select
    id as transaction_id,
    account_id,
    amount,
    upper(currency) as currency_code,
    status,
    created_at,
    cast(created_at as date) as created_date
from dev.main.raw_transactions
where amount >= 0