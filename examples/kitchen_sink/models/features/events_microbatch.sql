{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='occurred_at',
        begin='2024-02-01',
        batch_size='day',
        lookback=1
    )
}}

-- batches are filtered on event_time at run time; compiled SQL has no filter
select
    event_id,
    account_id,
    event_type,
    occurred_at
from {{ ref('stg_events') }}
