{#- run_query only runs during execution; the parse phase takes the else
    branch. The first query needs no tables; the second is only issued when
    the relation already exists, so compiling against an empty database
    falls back to a fixed list. -#}
{%- set currency_query -%}
select currency_code from (values ('EUR'), ('GBP'), ('USD')) as t(currency_code) order by 1
{%- endset -%}

{%- if execute -%}
    {%- set currencies = run_query(currency_query).columns[0].values() -%}
{%- else -%}
    {%- set currencies = [] -%}
{%- endif -%}

{%- set accounts_relation = adapter.get_relation(
        database=target.database,
        schema=target.schema,
        identifier='raw_accounts') -%}
{%- if execute and accounts_relation is not none -%}
    {%- set regions = run_query('select distinct region from ' ~ accounts_relation ~ ' order by 1').columns[0].values() -%}
{%- else -%}
    {%- set regions = ['amer', 'apac', 'emea'] -%}
{%- endif -%}

select
    currency_code,
    {%- for currency in currencies %}
    currency_code = '{{ currency }}' as is_{{ currency | lower }},
    {%- endfor %}
    {%- for region in regions %}
    '{{ region }}' as region_{{ loop.index }},
    {%- endfor %}
    {{ currencies | length }} as currency_count
from {{ ref('stg_currency_rates') }}
