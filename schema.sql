-- cloudsim's whole PostgreSQL schema. Applied at every start under an advisory lock;
-- every statement is idempotent. Bump schema_version.version when a change needs a migration.

CREATE TABLE IF NOT EXISTS schema_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version   integer NOT NULL,
    applied   timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------- domains, roles, accounts, users
CREATE TABLE IF NOT EXISTS domain (
    id             bigserial PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE,
    parent_id      bigint REFERENCES domain(id),
    name           text NOT NULL,
    path           text NOT NULL,              -- '/' for ROOT, '/a/b/' below it
    level          integer NOT NULL,
    network_domain text,
    state          text NOT NULL DEFAULT 'Active',
    created        timestamptz NOT NULL DEFAULT now(),
    removed        timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS domain_path_live ON domain (lower(path)) WHERE removed IS NULL;

CREATE TABLE IF NOT EXISTS role (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    name        text NOT NULL,
    role_type   text NOT NULL,                 -- Admin, ResourceAdmin, DomainAdmin, User
    description text,
    is_default  boolean NOT NULL DEFAULT false,
    removed     timestamptz
);

CREATE TABLE IF NOT EXISTS account (
    id             bigserial PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE,
    name           text NOT NULL,
    type           smallint NOT NULL,          -- 0 user, 1 root admin, 2 domain admin, 3 resource admin
    role_id        bigint NOT NULL REFERENCES role(id),
    domain_id      bigint NOT NULL REFERENCES domain(id),
    state          text NOT NULL DEFAULT 'enabled',   -- enabled, disabled, locked
    network_domain text,
    details        jsonb NOT NULL DEFAULT '{}',
    is_default     boolean NOT NULL DEFAULT false,
    cleanup_needed boolean NOT NULL DEFAULT false,
    created        timestamptz NOT NULL DEFAULT now(),
    removed        timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS account_name_live ON account (domain_id, lower(name)) WHERE removed IS NULL;

CREATE TABLE IF NOT EXISTS users (
    id            bigserial PRIMARY KEY,
    uuid          uuid NOT NULL UNIQUE,
    username      text NOT NULL,
    password      text NOT NULL,               -- pbkdf2_sha256$iterations$salt$hash
    account_id    bigint NOT NULL REFERENCES account(id),
    firstname     text,
    lastname      text,
    email         text,
    state         text NOT NULL DEFAULT 'enabled',
    api_key       text UNIQUE,
    secret_key    text,                        -- Fernet token; never the plain secret
    timezone      text,
    source        text NOT NULL DEFAULT 'native',
    is_default    boolean NOT NULL DEFAULT false,
    created       timestamptz NOT NULL DEFAULT now(),
    removed       timestamptz
);
-- CloudStack requires a user name to be unique within a domain.
CREATE INDEX IF NOT EXISTS users_username ON users (lower(username)) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS users_account ON users (account_id);

CREATE TABLE IF NOT EXISTS user_session (
    id          text PRIMARY KEY,              -- the JSESSIONID cookie
    session_key text NOT NULL,
    user_id     bigint NOT NULL REFERENCES users(id),
    created     timestamptz NOT NULL DEFAULT now(),
    last_access timestamptz NOT NULL DEFAULT now(),
    timeout_s   integer NOT NULL
);

-- ---------------------------------------------------------------- settings
CREATE TABLE IF NOT EXISTS configuration (
    name    text PRIMARY KEY,
    value   text,                              -- NULL = the catalogue default
    updated timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS configuration_scoped (
    id       bigserial PRIMARY KEY,
    scope    text NOT NULL,                    -- zone, cluster, storagepool, account, domain, imagestore
    scope_id bigint NOT NULL,
    name     text NOT NULL,
    value    text,
    UNIQUE (scope, scope_id, name)
);

-- ---------------------------------------------------------------- events and alerts
CREATE TABLE IF NOT EXISTS event (
    id            bigserial PRIMARY KEY,
    uuid          uuid NOT NULL UNIQUE,
    type          text NOT NULL,
    state         text NOT NULL DEFAULT 'Completed',  -- Created, Scheduled, Started, Completed
    level         text NOT NULL DEFAULT 'INFO',
    description   text NOT NULL,
    user_id       bigint,
    account_id    bigint,
    domain_id     bigint,
    resource_id   text,
    resource_type text,
    resource_name text,
    start_id      bigint,
    archived      boolean NOT NULL DEFAULT false,
    created       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS event_account_created ON event (account_id, created DESC);
CREATE INDEX IF NOT EXISTS event_created ON event (created DESC);

CREATE TABLE IF NOT EXISTS alert (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    type        integer NOT NULL,
    name        text,
    subject     text NOT NULL,
    zone_id     bigint,
    pod_id      bigint,
    cluster_id  bigint,
    archived    boolean NOT NULL DEFAULT false,
    sent        timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------- management servers and async jobs
CREATE TABLE IF NOT EXISTS management_server (
    id        bigserial PRIMARY KEY,
    uuid      uuid NOT NULL UNIQUE,
    name      text NOT NULL,
    host      text,
    pid       integer,
    state     text NOT NULL DEFAULT 'Up',      -- Up, Down
    started   timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS async_job (
    id             bigserial PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE,
    user_id        bigint NOT NULL,
    account_id     bigint NOT NULL,
    command        text NOT NULL,              -- API name, e.g. stopVirtualMachine
    cmd            text NOT NULL,              -- CloudStack's command class as clients see it
    params         jsonb NOT NULL,
    status         smallint NOT NULL DEFAULT 0,   -- 0 in progress, 1 succeeded, 2 failed
    proc_status    integer NOT NULL DEFAULT 0,
    result_code    integer NOT NULL DEFAULT 0,
    result_type    text,
    result         jsonb,
    instance_type  text,
    instance_id    bigint,
    instance_uuid  text,
    msid           bigint,                     -- the management server running it
    executions     integer NOT NULL DEFAULT 0,
    created        timestamptz NOT NULL DEFAULT now(),
    started        timestamptz,
    completed      timestamptz
);
CREATE INDEX IF NOT EXISTS async_job_pending ON async_job (id) WHERE status = 0;
CREATE INDEX IF NOT EXISTS async_job_account ON async_job (account_id, created DESC);
CREATE INDEX IF NOT EXISTS async_job_instance ON async_job (instance_type, instance_id) WHERE status = 0;
