select
    14 as lookback_days,
    0 as rows_when_missing,
    2 as rows_when_found,
    0 as text_as_int,
    12 as digits_as_int,'yes' as macro_is_true,
    'yes' as function_is_true