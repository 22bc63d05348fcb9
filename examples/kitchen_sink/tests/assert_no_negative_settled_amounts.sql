select transaction_id, amount
from {{ ref('fct_transactions') }}
where status = 'settled' and amount < 0
