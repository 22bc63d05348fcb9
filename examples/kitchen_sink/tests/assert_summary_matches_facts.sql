{{ config(severity='warn', tags=['reconciliation']) }}

with summary as (
    select sum(transaction_count) as n from {{ ref('account_summary') }}
),

facts as (
    select count(*) as n from {{ ref('fct_transactions') }}
)

select summary.n as summary_count, facts.n as fact_count
from summary cross join facts
where summary.n <> facts.n
