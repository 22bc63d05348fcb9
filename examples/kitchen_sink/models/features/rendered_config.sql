{#- Values dbt renders from YAML, and Jinja2's forgiving filters. -#}

select
    {{ var('lookback_days') | int }} as lookback_days,
    {{ maybe_rows(false) | length }} as rows_when_missing,
    {{ maybe_rows(true) | length }} as rows_when_found,
    {{ 'not a number' | int }} as text_as_int,
    {{ '12' | int }} as digits_as_int,
    {#- Macros and functions are true, as Python objects are. -#}
    '{{ "yes" if (dbt.type_timestamp or none) else "no" }}' as macro_is_true,
    '{{ "yes" if ref else "no" }}' as function_is_true
