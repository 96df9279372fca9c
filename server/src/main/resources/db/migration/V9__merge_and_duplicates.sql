-- The customers merged into a survivor: GetCustomer lists them and an
-- erasure follows them, by this index (the foreign key had none).
create index customer_merged_into_ix on customer (tenant_id, merged_into) where merged_into is not null;

-- The full name FindDuplicateCustomers compares, folded as search text is
-- (lower case, no accents).
create function customer_duplicate_name(first_name text, last_name text) returns text
    language sql immutable parallel safe
    as $$ select nullif(btrim(customer_normalize(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))), '') $$;

-- A merge is one MERGED event (written for the row merged away): the
-- survivor's own update in the merge's transaction, which the merge names
-- in the transaction-local setting customers.merge_survivor, is no UPDATED
-- event of its own.
create or replace function customer_event_updated() returns trigger language plpgsql as $$
declare
    survivor uuid := nullif(current_setting('customers.merge_survivor', true), '')::uuid;
begin
    insert into customer_event (tenant_id, customer_id, type, event_time, merged_customer_id)
    select c.tenant_id, c.customer_id, c.type, c.event_time, c.merged_customer_id
      from (select n.tenant_id,
                   case when o.merged_into is null and n.merged_into is not null then n.merged_into else n.id end,
                   case when o.merged_into is null and n.merged_into is not null then 'MERGED'
                        when o.erase_time is null and n.erase_time is not null then 'ERASED'
                        when o.delete_time is null and n.delete_time is not null then 'ARCHIVED'
                        when o.delete_time is not null and n.delete_time is null then 'RESTORED'
                        when n.id = survivor then null
                        when (to_jsonb(o) - '{version,update_time}'::text[]) is distinct from (to_jsonb(n) - '{version,update_time}'::text[])
                             then 'UPDATED'
                   end,
                   n.update_time,
                   case when o.merged_into is null and n.merged_into is not null then n.id end
              from old_rows o
              join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id) c (tenant_id, customer_id, type, event_time, merged_customer_id)
     where c.type is not null
     order by c.tenant_id, c.customer_id;
    return null;
end $$;
