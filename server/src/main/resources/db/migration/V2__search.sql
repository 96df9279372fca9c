-- Search (SPEC 4): the normalised search data lives in the customer row
-- itself, as generated columns, so it is in step with the row whoever writes
-- it (the API, an import's COPY, an erasure, a hand-written UPDATE) and a
-- customer is findable the moment its write commits.

create extension if not exists pg_trgm;
create extension if not exists unaccent;

-- unaccent() is only STABLE (its dictionary could change); with the
-- dictionary named explicitly it is safe to treat as IMMUTABLE, which
-- generated columns and indexes require.
create function customer_normalize(value text) returns text
    language sql immutable parallel safe strict
    as $$ select lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

create function customer_normalize_tags(tags text[]) returns text[]
    language sql immutable parallel safe strict
    as $$ select coalesce(array_agg(customer_normalize(t)), '{}') from unnest(tags) t $$;

-- The 13 searchable fields as one lower-case, accent-free text: names,
-- e-mails and the custom identifier as written, phones as their digits, the
-- postal code without spaces or hyphens. Fields are separated by spaces and
-- query words never contain one, so a word never matches across two fields.
create function customer_search_text(
    first_name text, last_name text, title text, company text,
    home_phone text, work_phone text, mobile_phone text, pager text, fax text,
    postal_code text, email text, secondary_email text, custom_identifier text) returns text
    language sql immutable parallel safe
    as $$
        select customer_normalize(concat_ws(' ',
            first_name, last_name, title, company,
            regexp_replace(home_phone, '\D', '', 'g'), regexp_replace(work_phone, '\D', '', 'g'),
            regexp_replace(mobile_phone, '\D', '', 'g'), regexp_replace(pager, '\D', '', 'g'),
            regexp_replace(fax, '\D', '', 'g'),
            regexp_replace(postal_code, '[\s-]', '', 'g'),
            email, secondary_email, custom_identifier))
    $$;

-- Sort keys: accent- and case-insensitive, in byte order (COLLATE "C") so
-- that keyset comparisons in page tokens mean the same thing everywhere.
-- Customers without a value get a key after every other: '1' against the
-- '0' prefix of real values.
create function customer_sort_key(value text) returns text
    language sql immutable parallel safe
    as $$ select case when value is null then '1' else '0' || customer_normalize(value) end $$;

alter table customer
    add column search_text text generated always as (customer_search_text(
        first_name, last_name, title, company, home_phone, work_phone, mobile_phone, pager, fax,
        postal_code, email, secondary_email, custom_identifier)) stored,
    add column sort_last_name text collate "C" generated always as (customer_sort_key(last_name)) stored,
    add column sort_first_name text collate "C" generated always as (customer_sort_key(first_name)) stored,
    add column sort_company text collate "C" generated always as (customer_sort_key(company)) stored,
    add column tag_keys text[] generated always as (customer_normalize_tags(tags)) stored;

create index customer_search_trgm_ix on customer using gin (search_text gin_trgm_ops);
create index customer_tag_keys_ix on customer using gin (tag_keys);
create index customer_last_name_ix on customer (tenant_id, sort_last_name, id);
create index customer_first_name_ix on customer (tenant_id, sort_first_name, id);
create index customer_company_ix on customer (tenant_id, sort_company, id);
create index customer_create_time_ix on customer (tenant_id, create_time, id);
create index customer_update_time_ix on customer (tenant_id, update_time, id);

-- Tags in use, with how many customers carry each, for ListTags
-- (autocomplete): counting them on demand would read every customer of the
-- tenant. Kept by a trigger, so every writer keeps them right.
create table customer_tag (
    tenant_id      uuid   not null references tenant (id),
    tag_key        text   collate "C" not null,
    -- The first spelling written; ListTags shows the most common one, from
    -- customer_tag_spelling, and falls back to this one.
    tag            text   not null,
    -- Customers with the tag: all of them, and those not archived.
    customer_count bigint not null default 0,
    active_count   bigint not null default 0,
    primary key (tenant_id, tag_key)
);

-- How many customers write a tag each way ("VIP", "vip", "Vip"), so that
-- ListTags shows the most common spelling rather than whichever came first,
-- and not one that no customer uses any more.
create table customer_tag_spelling (
    tenant_id      uuid   not null references tenant (id),
    tag_key        text   collate "C" not null,
    tag            text   collate "C" not null,
    customer_count bigint not null default 0,
    primary key (tenant_id, tag_key, tag)
);

-- One change to the tag counters: a customer's tags, counted `delta` times
-- (+1 added, -1 removed), among the active ones or not, and whether its
-- spellings change too (archiving and restoring leave them as they are).
create type customer_tag_delta as (tenant_id uuid, tags text[], active boolean, delta int, spelling boolean);

-- Applies changes as one aggregated upsert per table, the rows in key order,
-- so that concurrent writers lock the counters in the same order and cannot
-- deadlock on them. A customer counts once per tag key; if it writes one tag
-- two ways ("Été" and "ete" differ in case and accents), its spelling is the
-- first of them in byte order, for removals as for additions.
create function customer_tag_apply(changes customer_tag_delta[]) returns void language sql as $$
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
$$;

-- Statement-level triggers with transition tables: one upsert per statement,
-- however many customers it wrote, so that a COPY of a million customers
-- pays for their tags once rather than a million times.
create function customer_tag_count_inserted() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(n.tenant_id, n.tags, n.delete_time is null, 1, true)::customer_tag_delta
          from new_rows n
         where cardinality(n.tags) > 0));
    return null;
end $$;

create function customer_tag_count_updated() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(o.tenant_id, o.tags, o.delete_time is null, -1, o.tags is distinct from n.tags)::customer_tag_delta
          from old_rows o
          join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.tags is distinct from n.tags or o.delete_time is distinct from n.delete_time)
           and cardinality(o.tags) > 0
        union all
        select row(n.tenant_id, n.tags, n.delete_time is null, 1, o.tags is distinct from n.tags)::customer_tag_delta
          from old_rows o
          join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.tags is distinct from n.tags or o.delete_time is distinct from n.delete_time)
           and cardinality(n.tags) > 0));
    return null;
end $$;

create function customer_tag_count_deleted() returns trigger language plpgsql as $$
begin
    perform customer_tag_apply(array(
        select row(o.tenant_id, o.tags, o.delete_time is null, -1, true)::customer_tag_delta
          from old_rows o
         where cardinality(o.tags) > 0));
    return null;
end $$;

create trigger customer_tag_count_insert after insert on customer
    referencing new table as new_rows
    for each statement execute function customer_tag_count_inserted();
create trigger customer_tag_count_update after update on customer
    referencing old table as old_rows new table as new_rows
    for each statement execute function customer_tag_count_updated();
create trigger customer_tag_count_delete after delete on customer
    referencing old table as old_rows
    for each statement execute function customer_tag_count_deleted();
