select
    'stg_accounts' as staging_model_1,
    'stg_currency_rates' as staging_model_2,
    'stg_events' as staging_model_3,
    'stg_transactions' as staging_model_4,
    3 as billing_table_count