-- The foundation: tenants and their keys, tax classes, customer types,
-- custom field definitions, customers, idempotent requests and the audit
-- trail.
--
-- Every tenant-owned table is keyed by (tenant_id, id): a tenant's rows stay
-- together in every index, every lookup names the tenant, and the data can
-- later be distributed by tenant. Enumerations are text with CHECK
-- constraints rather than PostgreSQL enums, which cannot drop or rename a
-- value inside a transaction.

create table tenant (
    id           uuid        primary key,
    display_name text        not null check (length(display_name) between 1 and 200),
    -- Default region for phone numbers and postal codes written without a
    -- country (ISO 3166-1 alpha-2).
    country_code text        not null check (country_code ~ '^[A-Z]{2}$'),
    create_time  timestamptz not null default now()
);

create table api_key (
    tenant_id    uuid        not null references tenant (id),
    id           uuid        not null,
    -- SHA-256 of the whole key. Keys are 256-bit random secrets, so a fast
    -- hash is enough; the key itself is never stored.
    key_hash     bytea       not null unique check (length(key_hash) = 32),
    -- The first characters of the key, to recognise it in listings.
    key_prefix   text        not null,
    display_name text        not null,
    create_time  timestamptz not null default now(),
    revoke_time  timestamptz,
    primary key (tenant_id, id)
);

create table tax_class (
    tenant_id    uuid        not null references tenant (id),
    id           uuid        not null,
    display_name text        not null check (length(display_name) between 1 and 100),
    is_default   boolean     not null default false,
    version      bigint      not null default 1,
    create_time  timestamptz not null default now(),
    update_time  timestamptz not null default now(),
    primary key (tenant_id, id)
);
create unique index tax_class_name_uq on tax_class (tenant_id, lower(display_name));
-- At most one default per tenant.
create unique index tax_class_default_uq on tax_class (tenant_id) where is_default;

create table customer_type (
    tenant_id        uuid         not null references tenant (id),
    id               uuid         not null,
    display_name     text         not null check (length(display_name) between 1 and 100),
    discount_percent numeric(5,2) check (discount_percent between 0 and 100),
    tax_class_id     uuid,
    version          bigint       not null default 1,
    create_time      timestamptz  not null default now(),
    update_time      timestamptz  not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, tax_class_id) references tax_class (tenant_id, id)
);
create unique index customer_type_name_uq on customer_type (tenant_id, lower(display_name));
create index customer_type_tax_class_ix on customer_type (tenant_id, tax_class_id) where tax_class_id is not null;

create table custom_field (
    tenant_id    uuid        not null references tenant (id),
    -- Chosen by the client ("shoe_size"): it is the key of the values in
    -- customer.custom_fields.
    id           text        not null check (id ~ '^[a-z][a-z0-9_]{0,62}$'),
    display_name text        not null check (length(display_name) between 1 and 100),
    value_type   text        not null check (value_type in ('TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'SINGLE_CHOICE')),
    options      text[]      not null default '{}',
    required     boolean     not null default false,
    version      bigint      not null default 1,
    create_time  timestamptz not null default now(),
    update_time  timestamptz not null default now(),
    primary key (tenant_id, id),
    check ((value_type = 'SINGLE_CHOICE') = (cardinality(options) > 0))
);
create unique index custom_field_name_uq on custom_field (tenant_id, lower(display_name));

create table customer (
    tenant_id                   uuid         not null references tenant (id),
    id                          uuid         not null,
    version                     bigint       not null default 1,
    source                      text         not null check (source in ('REGISTER', 'BACK_OFFICE', 'ECOMMERCE', 'IMPORT', 'API')),

    first_name                  text,
    last_name                   text,
    title                       text,
    company                     text,
    company_registration_number text,
    vat_number                  text,
    birth_date                  date,

    -- Phones in E.164 form.
    home_phone                  text,
    work_phone                  text,
    mobile_phone                text,
    pager                       text,
    fax                         text,

    address_line_1              text,
    address_line_2              text,
    city                        text,
    region                      text,
    postal_code                 text,
    country_code                text check (country_code ~ '^[A-Z]{2}$'),

    website                     text,
    email                       text,
    secondary_email             text,

    customer_type_id            uuid,
    discount_percent            numeric(5,2) check (discount_percent between 0 and 100),
    tax_class_id                uuid,

    custom_identifier           text,
    external_reference          text,
    tags                        text[]       not null default '{}',

    -- Marketing consent per channel: state (null: never asked), when, from
    -- where, and the opt-in level.
    email_consent               text check (email_consent in ('GRANTED', 'DENIED')),
    email_consent_time          timestamptz,
    email_consent_source        text,
    email_consent_level         text,
    postal_mail_consent         text check (postal_mail_consent in ('GRANTED', 'DENIED')),
    postal_mail_consent_time    timestamptz,
    postal_mail_consent_source  text,
    postal_mail_consent_level   text,
    phone_call_consent          text check (phone_call_consent in ('GRANTED', 'DENIED')),
    phone_call_consent_time     timestamptz,
    phone_call_consent_source   text,
    phone_call_consent_level    text,

    -- Custom field values keyed by custom_field.id, each a JSON value of the
    -- field's type (dates as "YYYY-MM-DD").
    custom_fields               jsonb        not null default '{}',
    notes                       text,

    create_time                 timestamptz  not null default now(),
    update_time                 timestamptz  not null default now(),
    delete_time                 timestamptz,
    erase_time                  timestamptz,
    merged_into                 uuid,

    primary key (tenant_id, id),
    foreign key (tenant_id, customer_type_id) references customer_type (tenant_id, id),
    foreign key (tenant_id, tax_class_id) references tax_class (tenant_id, id),
    foreign key (tenant_id, merged_into) references customer (tenant_id, id)
);
create unique index customer_external_reference_uq on customer (tenant_id, external_reference)
    where external_reference is not null;
create index customer_email_ix on customer (tenant_id, lower(email)) where email is not null;
create index customer_type_ix on customer (tenant_id, customer_type_id) where customer_type_id is not null;
create index customer_tax_class_ix on customer (tenant_id, tax_class_id) where tax_class_id is not null;

-- Answers of writes that carried a request_id, replayed when the same
-- request comes again (AIP-155). The row is written in the same transaction
-- as the write itself, so a concurrent retry waits on the primary key and
-- then finds the finished answer.
create table idempotent_request (
    tenant_id    uuid        not null references tenant (id),
    request_id   uuid        not null,
    method       text        not null,
    -- SHA-256 of the request without its request_id.
    request_hash bytea       not null,
    response     bytea       not null,
    -- The customer the answer is about, so that erasing a customer also
    -- erases the personal data kept in its replayable answers.
    customer_id  uuid,
    create_time  timestamptz not null default now(),
    primary key (tenant_id, request_id)
);
create index idempotent_request_time_ix on idempotent_request (create_time);
create index idempotent_request_customer_ix on idempotent_request (tenant_id, customer_id)
    where customer_id is not null;

-- What was done to a tenant's data that must be accountable later
-- (erasures, exports...), and by which key.
create table audit_event (
    tenant_id   uuid        not null references tenant (id),
    id          bigint      generated always as identity,
    event_time  timestamptz not null default now(),
    api_key_id  uuid,
    action      text        not null,
    resource    text,
    details     jsonb       not null default '{}',
    primary key (tenant_id, id)
);
