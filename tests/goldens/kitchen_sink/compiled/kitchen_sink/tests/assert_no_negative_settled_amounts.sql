select transaction_id, amount
from dev.main.fct_transactions
where status = 'settled' and amount < 0