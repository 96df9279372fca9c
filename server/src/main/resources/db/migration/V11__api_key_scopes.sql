-- What a key may do, and until when. Keys minted before scopes existed
-- keep every scope: they could do everything, and a deployment must not
-- break a running integration.
alter table api_key
    add column scopes text[] not null
        default '{customers.read,customers.write,customers.export,customers.admin}'
        check (cardinality(scopes) > 0
               and scopes <@ '{customers.read,customers.write,customers.export,customers.admin}'),
    add column expire_time timestamptz;

-- ListApiKeys pages by display name, then id.
create index api_key_display_name_ix on api_key (tenant_id, display_name, id);
