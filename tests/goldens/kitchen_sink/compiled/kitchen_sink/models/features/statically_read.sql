

select account_id, '{' as brace
from dev.main_staging.stg_accounts