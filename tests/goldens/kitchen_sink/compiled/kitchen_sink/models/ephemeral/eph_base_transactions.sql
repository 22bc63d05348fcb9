select *
from dev.main_staging.stg_txn
where status in ('settled', 'refunded')