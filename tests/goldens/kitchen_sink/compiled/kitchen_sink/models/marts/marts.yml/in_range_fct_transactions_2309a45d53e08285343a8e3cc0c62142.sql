



select amount_usd
from dev.main.fct_transactions
where amount_usd < 0
   or amount_usd > 100000

