-- A value that already starts with apostrophes before a formula sign
-- ("'=1+1", as a customer may write it) gets one more apostrophe on export
-- too: the import removes one apostrophe before a formula sign, and took
-- the customer's own ("'=1+1" came back "=1+1"). Found by CsvFuzzTest.
-- Still a plain, non-STRICT SQL function, which the planner inlines (V3).
create or replace function csv_neutralize(value text) returns text
    language sql immutable parallel safe
    as $$ select case when left(ltrim(value, ''''), 1) in ('=', '+', '-', '@', E'\t', E'\r') then '''' || value else value end $$;
