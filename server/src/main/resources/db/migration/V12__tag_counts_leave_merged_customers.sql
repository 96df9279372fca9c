-- A customer merged into another counts under its tags no more, as it shows
-- in no search: ListTags counted it still (the counts knew archiving, not
-- merging). A merge takes the merged customer out of every count, as a
-- deletion of its row would; nothing brings it back (a merge is for good).
create or replace function customer_tag_count_inserted() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(n.tenant_id, n.tags, n.delete_time is null, 1, true)::customer_tag_delta
          from new_rows n
         where cardinality(n.tags) > 0 and n.merged_into is null));
    return null;
end $$;

create or replace function customer_tag_count_updated() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(o.tenant_id, o.tags, o.delete_time is null, -1,
                   o.tags is distinct from n.tags or o.merged_into is distinct from n.merged_into)::customer_tag_delta
          from old_rows o
          join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.tags is distinct from n.tags or o.delete_time is distinct from n.delete_time
                or o.merged_into is distinct from n.merged_into)
           and cardinality(o.tags) > 0 and o.merged_into is null
        union all
        select row(n.tenant_id, n.tags, n.delete_time is null, 1,
                   o.tags is distinct from n.tags or o.merged_into is distinct from n.merged_into)::customer_tag_delta
          from old_rows o
          join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.tags is distinct from n.tags or o.delete_time is distinct from n.delete_time
                or o.merged_into is distinct from n.merged_into)
           and cardinality(n.tags) > 0 and n.merged_into is null));
    return null;
end $$;

create or replace function customer_tag_count_deleted() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(o.tenant_id, o.tags, o.delete_time is null, -1, true)::customer_tag_delta
          from old_rows o
         where cardinality(o.tags) > 0 and o.merged_into is null));
    return null;
end $$;

-- The customers merged before this migration leave their counts now.
select customer_tag_apply(array(
    select row(c.tenant_id, c.tags, c.delete_time is null, -1, true)::customer_tag_delta
      from customer c
     where c.merged_into is not null and cardinality(c.tags) > 0));
