-- A single create or update paid about 0.5 ms of planning for its tags
-- (pg_stat_statements with track_planning, bench search as customers_app:
-- 0.28 ms for the customer_tag upsert, 0.23 for the spellings, against
-- 0.38 and 0.07 ms to run them). customer_tag_apply was a SQL function:
-- PostgreSQL before 18 plans its statements on every call, and the main
-- pool's plan_cache_mode = force_custom_plan (Database) made 18 do it too.
-- Its plans do not depend on the values: an aggregate of the array's
-- elements in key order, and an upsert by primary key. As plpgsql, with
-- generic plans, each connection plans them once. The rows stay in key
-- order (the ORDER BY), so concurrent writers still lock the counters in
-- one order.
create or replace function customer_tag_apply(changes customer_tag_delta[]) returns void
    language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
    insert into customer_tag as t (tenant_id, tag_key, tag, customer_count, active_count)
    select c.tenant_id, k.tag_key, min(k.tag), sum(c.delta), sum(case when c.active then c.delta else 0 end)
      from unnest(changes) c
     cross join lateral (select customer_normalize(tag) as tag_key, min(tag collate "C") as tag
                           from unnest(c.tags) tag group by 1) k
     group by c.tenant_id, k.tag_key
    having sum(c.delta) <> 0 or sum(case when c.active then c.delta else 0 end) <> 0
     order by c.tenant_id, k.tag_key
    on conflict (tenant_id, tag_key) do update
       set customer_count = t.customer_count + excluded.customer_count,
           active_count = t.active_count + excluded.active_count;
    insert into customer_tag_spelling as s (tenant_id, tag_key, tag, customer_count)
    select c.tenant_id, k.tag_key, k.tag, sum(c.delta)
      from unnest(changes) c
     cross join lateral (select customer_normalize(tag) as tag_key, min(tag collate "C") as tag
                           from unnest(c.tags) tag group by 1) k
     where c.spelling
     group by c.tenant_id, k.tag_key, k.tag
    having sum(c.delta) <> 0
     order by c.tenant_id, k.tag_key, k.tag
    on conflict (tenant_id, tag_key, tag) do update
       set customer_count = s.customer_count + excluded.customer_count;
end $$;
