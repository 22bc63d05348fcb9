

select account_name
from dev.main_staging.stg_accounts
where trim(account_name) = ''

