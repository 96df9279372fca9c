-- The planner's sample of customer.search_text, which the search reads to
-- choose its strategy (SearchStatistics), for the serving role: pg_stats
-- hides the statistics of a table whose row-level security applies to the
-- reader (V13), and without them every search took the path for a table
-- never analysed (a rare word twice as slow, a tag filter with a rare word
-- eight times). The sample holds texts of every tenant's customers: it is
-- the server's to plan with, never an answer to a caller.
create function customer_search_text_statistics()
    returns table (null_frac real, most_common_vals text[], most_common_freqs real[], histogram_bounds text[])
    language sql stable security definer set search_path from current
    as $$
        select s.null_frac, s.most_common_vals::text::text[], s.most_common_freqs, s.histogram_bounds::text::text[]
          from pg_stats s
         where s.schemaname = current_schema() and s.tablename = 'customer' and s.attname = 'search_text'
    $$;

revoke execute on function customer_search_text_statistics() from public;
