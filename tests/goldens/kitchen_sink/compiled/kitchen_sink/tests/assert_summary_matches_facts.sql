

with summary as (
    select sum(transaction_count) as n from dev.main.account_summary
),

facts as (
    select count(*) as n from dev.main.fct_transactions
)

select summary.n as summary_count, facts.n as fact_count
from summary cross join facts
where summary.n <> facts.n