



select amount
from (select * from dev.main_staging.stg_txn where status <> 'failed') dbt_subquery
where amount < 0
   or amount > 1000000

