

select account_id, region from dev.main_staging.stg_accounts where region = 'EMEA'