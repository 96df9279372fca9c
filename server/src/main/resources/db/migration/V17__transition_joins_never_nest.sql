-- The statement triggers that compare a statement's old rows with its new
-- ones join the two transition tables on (tenant_id, id). Such a statement
-- has no parameters, so PostgreSQL plans it once per connection, at its
-- first execution, and keeps that plan whatever plan_cache_mode says; the
-- plan takes the transition tables' sizes of that first execution. A
-- connection whose first update was of one customer planned a nested loop
-- for one row against one, and a later batch update of 1,000 customers on
-- it compared every old row with every new one: 1,000,000 comparisons per
-- trigger, 3 to 4 s a batch instead of 0.5 s, on whichever connection the
-- batch happened to get (bench writes: batch/single from 1.3 to 10 times
-- between rounds of one run).
--
-- Without nested loops the join is a hash (or merge) join, linear at any
-- size and as cheap for one row. Nothing else in these functions joins:
-- their other statements are upserts by key, deletes by full key, and the
-- lookups of foreign keys, whose plans are the same either way
-- (TransitionJoinsTest checks the work of a batch after a single update).
--
-- Where a nested loop is the only way (a lateral unnest of a row's tags),
-- PostgreSQL before 18 still takes it but adds a huge cost to the plan, and
-- a plan that costly is compiled by JIT on every run: on PostgreSQL 15 that
-- made MergeCustomersTest ten times slower (60 s against 6). These
-- statements are small, so JIT is off in these functions.
alter function customer_count_updated() set enable_nestloop = off set jit = off;
alter function customer_tag_count_updated() set enable_nestloop = off set jit = off;
alter function customer_event_updated() set enable_nestloop = off set jit = off;
alter function tagged_customer_updated() set enable_nestloop = off set jit = off;
