{% snapshot accounts_snapshot %}

{{
    config(
        unique_key='id',
        strategy='timestamp',
        updated_at='updated_at',
        invalidate_hard_deletes=true
    )
}}

select * from {{ source('billing', 'accounts') }}

{% endsnapshot %}

{% snapshot account_tiers_snapshot %}

{{
    config(
        unique_key='account_id',
        strategy='check',
        check_cols=['tier', 'region'],
        dbt_valid_to_current="cast('9999-12-31' as timestamp)"
    )
}}

select account_id, tier, region from {{ ref('stg_accounts') }}

{% endsnapshot %}
