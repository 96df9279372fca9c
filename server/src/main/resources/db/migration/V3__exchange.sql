-- CSV export (SPEC 5): a cell that a spreadsheet would run as a formula
-- (starting with = + - @, a tab or a carriage return) gets a leading
-- apostrophe. A plain SQL function that the planner inlines into the query
-- (it would not if it were STRICT: the body is not provably strict), so that
-- PostgreSQL writes the export's CSV itself at the speed of COPY.
create function csv_neutralize(value text) returns text
    language sql immutable parallel safe
    as $$ select case when left(value, 1) in ('=', '+', '-', '@', E'\t', E'\r') then '''' || value else value end $$;
