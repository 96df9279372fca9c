-- The change stream in commit order.
--
-- Until now a stream read events in the order their transactions started
-- writing (xid, seq), and held every event back while an older transaction
-- was still running: one long transaction, of any tenant, stopped every
-- stream, and two transactions could arrive in the reverse of the order in
-- which they committed.
--
-- Now each event gets its place in the stream, its position, after its
-- transaction has committed: the servers' sequencers
-- (customer_event_sequence, called by ChangeSequencer) number the committed
-- events that have none. Sequencing runs one at a time (the row lock on
-- customer_event_sequencer, held to commit), so the positions of one run
-- are all above those of every run before it, and become visible only
-- after them: a reader that has read up to a position can never see a lower
-- one appear later. Streams read committed and numbered events only, by
-- position, and are held back by nothing else.
--
-- Within one run, events are numbered in the order their transactions
-- committed when the database records commit times (track_commit_timestamp,
-- which the embedded database turns on), and otherwise in the order of each
-- transaction's last write, which is its commit order unless it did other
-- work after it. Either way a customer's changes come in the order they
-- were made: a transaction that changes a row another one changed waits for
-- that one's commit, so both its last write and its commit come after.
alter table customer_event add column position bigint;

update customer_event e
   set position = o.position
  from (select tenant_id, xid, seq, row_number() over (order by xid, seq) as position from customer_event) o
 where e.tenant_id = o.tenant_id and e.xid = o.xid and e.seq = o.seq;

create unique index customer_event_position_ix on customer_event (tenant_id, position) where position is not null;
-- What is left to number: small, as the sequencers keep up.
create index customer_event_unsequenced_ix on customer_event (seq) where position is null;

create table customer_event_sequencer (
    one            boolean primary key default true check (one),
    last_position  bigint  not null
);
insert into customer_event_sequencer (last_position) select coalesce(max(position), 0) from customer_event;

-- Retention now remembers the last position it deleted. The events still
-- kept were numbered above 0 here, so 0 is right for every tenant already
-- in the table.
alter table customer_event_retention add column position bigint not null default 0;
alter table customer_event_retention drop column xid, drop column seq;
alter table customer_event_retention alter column position drop default;

-- Numbers up to max_events committed events that have no position yet;
-- returns how many per tenant, after telling the servers' listeners
-- (NOTIFY customer_events, the tenant as payload; delivered at commit).
--
-- Every look-up goes through an index whatever the statistics say: right
-- after an import they count thousands of events without a position, and a
-- plan made for those (a hash join over the whole table) costs tens of
-- milliseconds on every later run, when there are a handful.
create function customer_event_sequence(max_events int) returns table (tenant_id uuid, events int)
language plpgsql as $$
declare
    last       bigint;
    tenants    uuid[];
    xids       xid8[];
    seqs       bigint[];
    positions  bigint[];
begin
    perform from customer_event e where e.position is null order by e.seq limit 1;
    if not found then
        return; -- idle: no lock, no transaction id
    end if;
    -- One run at a time; waiting here, then reading in a new snapshot (each
    -- statement of this function takes one), sees the last run's numbers.
    select s.last_position into last from customer_event_sequencer s for update;
    with todo as (
        select e.tenant_id, e.xid, e.seq, max(e.seq) over (partition by e.xid) as last_write
          from (select u.tenant_id, u.xid, u.seq from customer_event u where u.position is null order by u.seq limit max_events) e
    )
    select array_agg(n.tenant_id), array_agg(n.xid), array_agg(n.seq), array_agg(n.position)
      into tenants, xids, seqs, positions
      from (select t.tenant_id, t.xid, t.seq,
                   last + row_number() over (
                       order by case when current_setting('track_commit_timestamp')::boolean then pg_xact_commit_timestamp(t.xid::xid) end nulls first,
                                t.last_write, t.xid, t.seq) as position
              from todo t) n;
    if positions is null then
        return; -- what was there is numbered already
    end if;
    update customer_event e
       set position = u.position
      from unnest(tenants, xids, seqs, positions) as u (tenant_id, xid, seq, position)
     where e.tenant_id = u.tenant_id and e.xid = u.xid and e.seq = u.seq;
    update customer_event_sequencer set last_position = last + cardinality(positions);
    perform pg_notify('customer_events', t::text) from (select distinct unnest(tenants)) d (t);
    return query select u.t, count(*)::int from unnest(tenants) u (t) group by u.t;
end $$;
