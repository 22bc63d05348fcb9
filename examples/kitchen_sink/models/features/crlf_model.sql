-- written with Windows line endings: raw_code and the checksum keep them,
-- the compiled SQL has plain line breaks
select
    {{ var('top_n', 10) }} as top_n,
    'a
b' as two_lines,
    {{ crlf_greeting("'you'") }} as greeting
