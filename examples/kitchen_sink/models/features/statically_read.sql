{{ config(materialized='view', tags=['features', 'static'], meta={'note': 'kept as written: a\tb'}, description='First line\nsecond line') }}
{# dbt-core reads this model without rendering it, so its strings keep their escapes. #}
select account_id, '{' as brace
from {{ ref('stg_accounts') }}
