-- The walk entries of a customer whose tags, search text or creation time
-- changed (or who is deleted) are removed one full key at a time.
--
-- As one DELETE ... USING the transition tables (V4), the plan depended on
-- statistics: under row-level security (V13) the policy's own condition,
-- tenant_id = customers_tenant(), gives the planner a way in by tenant
-- alone, and for a tenant the statistics do not know yet (a new store, not
-- analysed since) it chose to read every entry of the tenant for each
-- customer: 44 ms for one update of a store of 5,000 customers, and a
-- 1,000-row batch update at 39 rows a second. A statement that names the
-- whole primary key has one plan whatever the statistics say.

create or replace function tagged_customer_updated() returns trigger language plpgsql as $$
declare
    gone record;
begin
    for gone in
        select distinct o.tenant_id, k.tag_key, o.create_time, o.id
          from old_rows o
          join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         cross join unnest(o.tag_keys) k (tag_key)
         where o.tag_keys is distinct from n.tag_keys
            or o.search_text is distinct from n.search_text
            or o.create_time is distinct from n.create_time
    loop
        delete from tagged_customer
         where tenant_id = gone.tenant_id and tag_key = gone.tag_key
           and create_time = gone.create_time and customer_id = gone.id;
    end loop;
    insert into tagged_customer (tenant_id, tag_key, create_time, customer_id, search_text)
    select distinct n.tenant_id, k.tag_key, n.create_time, n.id, tagged_customer_text(n.search_text)
      from old_rows o
      join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
     cross join unnest(n.tag_keys) k (tag_key)
     where o.tag_keys is distinct from n.tag_keys
        or o.search_text is distinct from n.search_text
        or o.create_time is distinct from n.create_time;
    return null;
end $$;

create or replace function tagged_customer_deleted() returns trigger language plpgsql as $$
declare
    gone record;
begin
    for gone in
        select distinct o.tenant_id, k.tag_key, o.create_time, o.id
          from old_rows o
         cross join unnest(o.tag_keys) k (tag_key)
    loop
        delete from tagged_customer
         where tenant_id = gone.tenant_id and tag_key = gone.tag_key
           and create_time = gone.create_time and customer_id = gone.id;
    end loop;
    return null;
end $$;
