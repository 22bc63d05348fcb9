

select
    transaction_id,
    amount >= 1000 as is_large,
    'amer' as region_label,
    false as loaded_incrementally
from dev.main_staging.stg_txn
