-- Tenant isolation enforced by PostgreSQL, not only by each query's tenant
-- condition (SPEC 7).
--
-- Every tenant-owned table gets row-level security, forced (so it applies to
-- the tables' owner too), with one policy: a row is visible and writable
-- only when its tenant is the session's, customers_tenant(). The server sets
-- it on each connection it takes from its pool for a call, to the caller's
-- tenant, and clears it for work that belongs to no tenant (see
-- TenantConnections); a session that never set it sees and writes nothing.
--
-- The server serves as a role that does not own these tables and so cannot
-- turn the security off; the migrations run as the owner. The few jobs that
-- must span tenants (resolving an API key, numbering the change stream,
-- retention) are functions below that run as the owner (security definer).
-- Only they reach across tenants, so that is what to review.

create function customers_tenant() returns uuid
    language sql stable parallel safe
    as $$ select nullif(current_setting('customers.tenant', true), '')::uuid $$;

do $$
declare
    t text;
begin
    foreach t in array array['api_key', 'tax_class', 'customer_type', 'custom_field', 'customer', 'idempotent_request',
                             'audit_event', 'customer_tag', 'customer_tag_spelling', 'tagged_customer', 'customer_count',
                             'customer_event', 'customer_event_retention'] loop
        execute format('alter table %I enable row level security, force row level security', t);
        execute format('create policy tenant_isolation on %I using (tenant_id = customers_tenant()) with check (tenant_id = customers_tenant())', t);
    end loop;
    alter table tenant enable row level security, force row level security;
    create policy tenant_isolation on tenant using (id = customers_tenant()) with check (id = customers_tenant());

    -- The owner's own jobs (the functions below, later migrations) see every
    -- tenant. A superuser bypasses row-level security anyway.
    if not (select rolsuper or rolbypassrls from pg_roles where rolname = current_user) then
        foreach t in array array['tenant', 'api_key', 'tax_class', 'customer_type', 'custom_field', 'customer', 'idempotent_request',
                                 'audit_event', 'customer_tag', 'customer_tag_spelling', 'tagged_customer', 'customer_count',
                                 'customer_event', 'customer_event_retention'] loop
            execute format('create policy owner_jobs on %I to %I using (true) with check (true)', t, current_user);
        end loop;
    end if;

    -- Under row-level security, a condition can only use an index if its
    -- functions are leakproof (they cannot reveal a row the policy hides
    -- through an error); otherwise PostgreSQL tests the policy first and the
    -- condition on every row of the tenant. Searches match text with LIKE,
    -- e-mails with lower() and tags with @> and &&: none reveals its
    -- arguments, but only a superuser may say so. Without it, searches stay
    -- correct but slow, and the server warns at start (ServingRole.check).
    if (select rolsuper from pg_roles where rolname = current_user) then
        alter function textlike(text, text) leakproof;
        alter function lower(text) leakproof;
        alter function arraycontains(anyarray, anyarray) leakproof;
        alter function arrayoverlap(anyarray, anyarray) leakproof;
    end if;
end $$;

-- The caller of an API key, whatever its tenant: authentication comes
-- before there is a tenant to set.
create function customers_api_key(key_hash bytea)
    returns table (tenant_id uuid, country_code text, id uuid, scopes text[], expire_time timestamptz)
    language sql stable security definer set search_path from current
    as $$
        select k.tenant_id, t.country_code, k.id, k.scopes, k.expire_time
          from api_key k join tenant t on t.id = k.tenant_id
         where k.key_hash = customers_api_key.key_hash and k.revoke_time is null
    $$;

-- Whether any tenant exists (a new embedded database offers to make one).
create function customers_any_tenant() returns boolean
    language sql stable security definer set search_path from current
    as $$ select exists (select from tenant) $$;

-- Sequencing numbers every tenant's events in one order.
alter function customer_event_sequence(int) security definer set search_path from current;

-- Retention of the change stream: deletes events older than `retention`
-- that have a position, remembers per tenant the last position deleted, and
-- returns how many went.
create function customer_event_expire(retention interval) returns int
    language sql volatile security definer set search_path from current
    as $$
        with gone as (
            delete from customer_event
             where record_time <= now() - retention and position is not null
            returning tenant_id, position
        ), last as (
            select tenant_id, max(position) as position, count(*) as deleted from gone group by tenant_id
        ), kept as (
            insert into customer_event_retention as r (tenant_id, position)
            select tenant_id, position from last
            on conflict (tenant_id) do update set position = excluded.position
             where r.position < excluded.position
        )
        select coalesce(sum(deleted), 0)::int from last
    $$;

-- Idempotency records past their replay period, of every tenant.
create function idempotent_request_expire(cutoff timestamptz) returns int
    language sql volatile security definer set search_path from current
    as $$
        with gone as (delete from idempotent_request where create_time < cutoff returning 1)
        select count(*)::int from gone
    $$;

-- The serving role is granted these after each migration (ServingRole.grant), no one else.
revoke execute on function customers_api_key(bytea), customers_any_tenant(), customer_event_sequence(int),
    customer_event_expire(interval), idempotent_request_expire(timestamptz) from public;
