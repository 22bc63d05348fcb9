{{ config(materialized='view', tags=['features'], description='First line\nsecond line') }}
{# A tag makes dbt-core render this model: its strings lose their escapes. #}
{% set greeting = 'hello' %}
select '{{ greeting }}' as greeting
