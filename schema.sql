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
-- One row per `cloudsim serve` process that ever started (cloudsim/jobs/servers.py keeps it alive).
CREATE TABLE IF NOT EXISTS management_server (
    id        bigserial PRIMARY KEY,
    uuid      uuid NOT NULL UNIQUE,
    name      text NOT NULL,
    host      text,
    pid       integer,
    state     text NOT NULL DEFAULT 'Up',      -- Up, Down
    started   timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),  -- heartbeat, on the server's clock
    stopped   timestamptz,                         -- when it went Down (clean stop or declared dead)
    pid_ns    text                                 -- PID namespace: a pid means something only inside it
);
ALTER TABLE management_server ADD COLUMN IF NOT EXISTS stopped timestamptz;
ALTER TABLE management_server ADD COLUMN IF NOT EXISTS pid_ns text;
CREATE INDEX IF NOT EXISTS management_server_up ON management_server (last_seen) WHERE state = 'Up';

-- Async jobs (cloudsim/jobs). A job is queued with msid NULL, claimed by one runner (msid set),
-- and finished with status 1 or 2 (msid NULL again, complete_msid kept). Jobs on the same
-- (instance_type, instance_id) run one at a time, in id order.
CREATE TABLE IF NOT EXISTS async_job (
    id             bigserial PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE,
    user_id        bigint NOT NULL,
    account_id     bigint NOT NULL,
    command        text NOT NULL,              -- API name, e.g. stopVirtualMachine
    cmd            text NOT NULL,              -- CloudStack's command class as clients see it
    params         jsonb NOT NULL,             -- the normalised API parameters, re-bound when the job runs
    status         smallint NOT NULL DEFAULT 0,   -- 0 in progress, 1 succeeded, 2 failed
    proc_status    integer NOT NULL DEFAULT 0,
    result_code    integer NOT NULL DEFAULT 0,
    result_type    text,
    result         jsonb,                      -- the jobresult object, tagged so Entity names survive
    instance_type  text,
    instance_id    bigint,
    instance_uuid  text,
    msid           bigint,                     -- the management server running it (NULL: queued or done)
    complete_msid  bigint,                     -- the management server that finished it
    start_event_id bigint,                     -- the job's Scheduled event
    executions     integer NOT NULL DEFAULT 0,
    created        timestamptz NOT NULL DEFAULT now(),
    started        timestamptz,
    completed      timestamptz
);
ALTER TABLE async_job ADD COLUMN IF NOT EXISTS complete_msid bigint;
ALTER TABLE async_job ADD COLUMN IF NOT EXISTS start_event_id bigint;
CREATE INDEX IF NOT EXISTS async_job_pending ON async_job (id) WHERE status = 0;
CREATE INDEX IF NOT EXISTS async_job_account ON async_job (account_id, created DESC);
CREATE INDEX IF NOT EXISTS async_job_instance ON async_job (instance_type, instance_id) WHERE status = 0;
CREATE INDEX IF NOT EXISTS async_job_running ON async_job (msid) WHERE status = 0;
CREATE INDEX IF NOT EXISTS async_job_completed ON async_job (completed) WHERE status <> 0;

-- ---------------------------------------------------------------- SSH key pairs and registered user data
-- A key pair is the public half only: generated private keys are returned once and never stored.
-- Names are unique per account regardless of case (CloudStack's MySQL collation compares so);
-- a VM refers to its key pairs by name within its owner's account.
CREATE TABLE IF NOT EXISTS ssh_keypair (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    account_id  bigint NOT NULL REFERENCES account(id),
    domain_id   bigint NOT NULL REFERENCES domain(id),
    name        text NOT NULL,
    fingerprint text NOT NULL,                 -- colon-separated MD5 of the key blob
    public_key  text NOT NULL,                 -- '<type> <base64 blob>', no comment
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS ssh_keypair_name ON ssh_keypair (account_id, lower(name));
CREATE UNIQUE INDEX IF NOT EXISTS ssh_keypair_key ON ssh_keypair (account_id, fingerprint);

-- Stored user data (registerUserData); a VM or template refers to it by id.
CREATE TABLE IF NOT EXISTS user_data (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    account_id  bigint NOT NULL REFERENCES account(id),
    domain_id   bigint NOT NULL REFERENCES domain(id),
    name        text NOT NULL,
    user_data   text NOT NULL,                 -- base64, normalised with padding
    params      text,                          -- comma-separated variable names
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS user_data_name ON user_data (account_id, lower(name));

-- ================================================================ infrastructure (zones, pods, clusters, hosts)
-- Zone = CloudStack's data_center. allocation_state: Enabled/Disabled.
CREATE TABLE IF NOT EXISTS zone (
    id                    bigserial PRIMARY KEY,
    uuid                  uuid NOT NULL UNIQUE,
    name                  text NOT NULL,
    description           text,
    dns1                  text,
    dns2                  text,
    ip6dns1               text,
    ip6dns2               text,
    internal_dns1         text,
    internal_dns2         text,
    guest_cidr            text,
    network_domain        text,
    domain_id             bigint REFERENCES domain(id),   -- dedicated/public zone restriction
    network_type          text NOT NULL,                  -- Basic or Advanced
    security_groups       boolean NOT NULL DEFAULT false,
    local_storage_enabled boolean NOT NULL DEFAULT false,
    allocation_state      text NOT NULL DEFAULT 'Enabled',
    dhcp_provider         text NOT NULL DEFAULT 'VirtualRouter',
    zone_token            text NOT NULL,
    is_edge               boolean NOT NULL DEFAULT false,
    sort_key              integer NOT NULL DEFAULT 0,
    details               jsonb NOT NULL DEFAULT '{}',
    created               timestamptz NOT NULL DEFAULT now(),
    removed               timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS zone_name_live ON zone (lower(name)) WHERE removed IS NULL;

CREATE TABLE IF NOT EXISTS pod (
    id               bigserial PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE,
    name             text NOT NULL,
    zone_id          bigint NOT NULL REFERENCES zone(id),
    gateway          text,
    netmask          text,
    start_ip         text,                       -- management (private) range for hosts and system VMs
    end_ip           text,
    allocation_state text NOT NULL DEFAULT 'Enabled',
    created          timestamptz NOT NULL DEFAULT now(),
    removed          timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS pod_name_live ON pod (zone_id, lower(name)) WHERE removed IS NULL;

CREATE TABLE IF NOT EXISTS cluster (
    id               bigserial PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE,
    name             text NOT NULL,
    zone_id          bigint NOT NULL REFERENCES zone(id),
    pod_id           bigint NOT NULL REFERENCES pod(id),
    hypervisor       text NOT NULL,              -- Simulator, KVM, XenServer, VMware …
    cluster_type     text NOT NULL DEFAULT 'CloudManaged',
    allocation_state text NOT NULL DEFAULT 'Enabled',
    managed_state    text NOT NULL DEFAULT 'Managed',
    arch             text NOT NULL DEFAULT 'x86_64',
    url              text,
    details          jsonb NOT NULL DEFAULT '{}',
    created          timestamptz NOT NULL DEFAULT now(),
    removed          timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS cluster_name_live ON cluster (pod_id, lower(name)) WHERE removed IS NULL;

-- A hypervisor host (type Routing). status = connection state (Up, Down, Disconnected, Alert …),
-- resource_state = the admin state (Enabled, Disabled, PrepareForMaintenance, Maintenance …).
CREATE TABLE IF NOT EXISTS host (
    id                 bigserial PRIMARY KEY,
    uuid               uuid NOT NULL UNIQUE,
    name               text NOT NULL,
    guid               text NOT NULL,           -- the driver's handle for the host
    type               text NOT NULL DEFAULT 'Routing',
    status             text NOT NULL DEFAULT 'Up',
    resource_state     text NOT NULL DEFAULT 'Enabled',
    zone_id            bigint NOT NULL REFERENCES zone(id),
    pod_id             bigint NOT NULL REFERENCES pod(id),
    cluster_id         bigint NOT NULL REFERENCES cluster(id),
    hypervisor         text NOT NULL,
    hypervisor_version text,
    version            text,
    url                text NOT NULL,
    username           text,
    password           text,                    -- Fernet token, like API secrets
    private_ip         text,
    cpu_sockets        integer NOT NULL DEFAULT 1,
    cpus               integer NOT NULL,        -- cores
    speed              bigint NOT NULL,         -- MHz per core
    total_memory       bigint NOT NULL,         -- bytes
    local_storage      bigint NOT NULL DEFAULT 0,   -- bytes
    arch               text NOT NULL DEFAULT 'x86_64',
    capabilities       text,
    host_tags          text[] NOT NULL DEFAULT '{}',   -- explicit tags (updateHost hosttags)
    implicit_tags      text[] NOT NULL DEFAULT '{}',   -- tags added at discovery (GPU)
    os_category_id     bigint,                  -- guest.os.category.id preference
    annotation         text,
    details            jsonb NOT NULL DEFAULT '{}',
    last_ping          timestamptz,             -- last heartbeat from the host's agent
    mgmt_server_id     bigint,
    cpu_used_pct       double precision,        -- latest host statistics reported by the agent
    memory_used        bigint,
    cpu_load_average   double precision,
    network_kbs_read   bigint,
    network_kbs_write  bigint,
    disconnected       timestamptz,
    created            timestamptz NOT NULL DEFAULT now(),
    removed            timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS host_guid_live ON host (guid) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS host_cluster ON host (cluster_id) WHERE removed IS NULL;

-- GPU groups and the vGPU types each offers, as the host reports them; remaining_capacity is
-- decremented when a VM takes a vGPU of that type.
CREATE TABLE IF NOT EXISTS host_gpu (
    id                 bigserial PRIMARY KEY,
    host_id            bigint NOT NULL REFERENCES host(id) ON DELETE CASCADE,
    group_name         text NOT NULL,
    vgpu_type          text NOT NULL,
    video_ram          bigint,
    max_heads          bigint,
    max_resolution_x   bigint,
    max_resolution_y   bigint,
    max_vgpu_per_pgpu  bigint,
    remaining_capacity bigint NOT NULL,
    max_capacity       bigint NOT NULL,
    UNIQUE (host_id, group_name, vgpu_type)
);

-- Per host and capacity type (0 memory bytes, 1 CPU MHz, 9 local storage bytes, 90 CPU cores, 19 GPU):
-- raw total, capacity used by running VMs, capacity reserved for stopped ones (CloudStack's
-- op_host_capacity). Overprovisioning factors apply when read (core/capacity.py).
CREATE TABLE IF NOT EXISTS host_capacity (
    host_id  bigint NOT NULL REFERENCES host(id) ON DELETE CASCADE,
    type     smallint NOT NULL,
    total    bigint NOT NULL,
    used     bigint NOT NULL DEFAULT 0,
    reserved bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (host_id, type)
);

-- ================================================================ guest OS types
CREATE TABLE IF NOT EXISTS guest_os_category (
    id      bigint PRIMARY KEY,                 -- CloudStack's ids
    uuid    uuid NOT NULL UNIQUE,
    name    text NOT NULL,
    featured boolean NOT NULL DEFAULT false,
    created timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS guest_os (
    id           bigint PRIMARY KEY,            -- CloudStack's ids
    uuid         uuid NOT NULL UNIQUE,
    category_id  bigint NOT NULL REFERENCES guest_os_category(id),
    display_name text NOT NULL,
    user_defined boolean NOT NULL DEFAULT false,
    for_display  boolean NOT NULL DEFAULT true,
    created      timestamptz NOT NULL DEFAULT now(),
    removed      timestamptz
);

-- ================================================================ offerings
CREATE TABLE IF NOT EXISTS disk_offering (
    id                  bigserial PRIMARY KEY,
    uuid                uuid NOT NULL UNIQUE,
    name                text NOT NULL,
    display_text        text NOT NULL,
    disk_size           bigint NOT NULL DEFAULT 0,      -- bytes; 0 with customized
    customized          boolean NOT NULL DEFAULT false,
    disk_size_strict    boolean NOT NULL DEFAULT false,
    storage_type        text NOT NULL DEFAULT 'shared',
    provisioning_type   text NOT NULL DEFAULT 'thin',
    tags                text,
    customized_iops     boolean,
    min_iops            bigint,
    max_iops            bigint,
    hv_snapshot_reserve integer,
    cache_mode          text,
    encrypt             boolean NOT NULL DEFAULT false,
    display_offering    boolean NOT NULL DEFAULT true,
    rates               jsonb NOT NULL DEFAULT '{}',    -- bytes/iops throttles by response field name
    details             jsonb NOT NULL DEFAULT '{}',
    domain_ids          bigint[] NOT NULL DEFAULT '{}', -- empty = public
    zone_ids            bigint[] NOT NULL DEFAULT '{}', -- empty = all zones
    compute_only        boolean NOT NULL DEFAULT false, -- the root-disk twin of a service offering
    sort_key            integer NOT NULL DEFAULT 0,
    state               text NOT NULL DEFAULT 'Active',
    created             timestamptz NOT NULL DEFAULT now(),
    removed             timestamptz
);

CREATE TABLE IF NOT EXISTS service_offering (
    id                    bigserial PRIMARY KEY,
    uuid                  uuid NOT NULL UNIQUE,
    name                  text NOT NULL,
    display_text          text NOT NULL,
    cpus                  integer,                  -- NULL for custom offerings
    speed                 integer,
    memory                integer,                  -- MiB
    customized            boolean NOT NULL DEFAULT false,
    min_cpus              integer,
    max_cpus              integer,
    min_memory            integer,
    max_memory            integer,
    ha_enabled            boolean NOT NULL DEFAULT false,
    limit_cpu_use         boolean NOT NULL DEFAULT false,
    is_volatile           boolean NOT NULL DEFAULT false,
    host_tags             text,                     -- comma separated, as CloudStack stores them
    deployment_planner    text,
    dynamic_scaling       boolean NOT NULL DEFAULT true,
    is_system             boolean NOT NULL DEFAULT false,
    system_vm_type        text,
    network_rate          integer,
    root_disk_size        bigint,                   -- GiB
    storage_type          text NOT NULL DEFAULT 'shared',
    provisioning_type     text NOT NULL DEFAULT 'thin',
    storage_tags          text,
    encrypt_root          boolean NOT NULL DEFAULT false,
    disk_offering_id      bigint REFERENCES disk_offering(id),
    disk_offering_strict  boolean NOT NULL DEFAULT false,
    details               jsonb NOT NULL DEFAULT '{}',   -- pciDevice, vgpuType, planner keys …
    domain_ids            bigint[] NOT NULL DEFAULT '{}',
    zone_ids              bigint[] NOT NULL DEFAULT '{}',
    default_use           boolean NOT NULL DEFAULT false,
    sort_key              integer NOT NULL DEFAULT 0,
    state                 text NOT NULL DEFAULT 'Active',
    created               timestamptz NOT NULL DEFAULT now(),
    removed               timestamptz
);

-- ================================================================ templates and ISOs (one table, as in CloudStack)
CREATE TABLE IF NOT EXISTS vm_template (
    id               bigserial PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE,
    unique_name      text NOT NULL,
    name             text NOT NULL,
    display_text     text NOT NULL,
    format           text NOT NULL,              -- VHD, QCOW2, RAW, OVA, ISO …
    type             text NOT NULL DEFAULT 'USER',   -- USER, BUILTIN, SYSTEM, ROUTING, PERHOST, VNF
    hypervisor       text,                       -- NULL for ISOs
    bits             integer NOT NULL DEFAULT 64,
    arch             text NOT NULL DEFAULT 'x86_64',
    url              text,
    checksum         text,
    is_public        boolean NOT NULL DEFAULT false,
    featured         boolean NOT NULL DEFAULT false,
    extractable      boolean NOT NULL DEFAULT false,
    bootable         boolean NOT NULL DEFAULT true,
    requires_hvm     boolean NOT NULL DEFAULT true,
    password_enabled boolean NOT NULL DEFAULT false,
    sshkey_enabled   boolean NOT NULL DEFAULT false,
    dynamically_scalable boolean NOT NULL DEFAULT false,  -- the image carries XenServer/VMware tools
    is_routing       boolean NOT NULL DEFAULT false,
    cross_zones      boolean NOT NULL DEFAULT false,
    direct_download  boolean NOT NULL DEFAULT false,
    deploy_as_is     boolean NOT NULL DEFAULT false,
    template_tag     text,
    account_id       bigint NOT NULL REFERENCES account(id),
    domain_id        bigint NOT NULL REFERENCES domain(id),
    guest_os_id      bigint REFERENCES guest_os(id),
    size             bigint,                     -- virtual size, bytes
    physical_size    bigint,
    sort_key         integer NOT NULL DEFAULT 0,
    details          jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL DEFAULT 'Active',
    created          timestamptz NOT NULL DEFAULT now(),
    removed          timestamptz
);
CREATE INDEX IF NOT EXISTS vm_template_account ON vm_template (account_id) WHERE removed IS NULL;

-- Where an image is stored (CloudStack's template_store_ref collapsed per zone).
CREATE TABLE IF NOT EXISTS template_zone (
    template_id    bigint NOT NULL REFERENCES vm_template(id),
    zone_id        bigint NOT NULL REFERENCES zone(id),
    status         text NOT NULL DEFAULT 'Download Complete',
    download_state text NOT NULL DEFAULT 'DOWNLOADED',
    download_pct   integer NOT NULL DEFAULT 100,
    ready          boolean NOT NULL DEFAULT true,
    created        timestamptz NOT NULL DEFAULT now(),
    removed        timestamptz,
    PRIMARY KEY (template_id, zone_id)
);

-- Accounts a private image is shared with (launch_permission).
CREATE TABLE IF NOT EXISTS template_permission (
    template_id bigint NOT NULL REFERENCES vm_template(id),
    account_id  bigint NOT NULL REFERENCES account(id),
    PRIMARY KEY (template_id, account_id)
);

-- ================================================================ networking for guests
CREATE TABLE IF NOT EXISTS network_offering (
    id                bigserial PRIMARY KEY,
    uuid              uuid NOT NULL UNIQUE,
    name              text NOT NULL UNIQUE,
    display_text      text NOT NULL,
    guest_type        text,                      -- Shared, Isolated, L2
    traffic_type      text NOT NULL DEFAULT 'Guest',
    services          jsonb NOT NULL DEFAULT '{}',   -- service -> [providers]
    specify_ip_ranges boolean NOT NULL DEFAULT false,
    specify_vlan      boolean NOT NULL DEFAULT false,
    is_default        boolean NOT NULL DEFAULT true,
    conserve_mode     boolean NOT NULL DEFAULT true,
    availability      text NOT NULL DEFAULT 'Optional',
    is_system         boolean NOT NULL DEFAULT false,
    state             text NOT NULL DEFAULT 'Enabled',
    created           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS network (
    id                  bigserial PRIMARY KEY,
    uuid                uuid NOT NULL UNIQUE,
    name                text NOT NULL,
    display_text        text,
    zone_id             bigint NOT NULL REFERENCES zone(id),
    network_offering_id bigint NOT NULL REFERENCES network_offering(id),
    traffic_type        text NOT NULL DEFAULT 'Guest',
    guest_type          text,                    -- Shared, Isolated, L2
    acl_type            text,                    -- Domain, Account
    broadcast_domain    text NOT NULL DEFAULT 'Native',
    broadcast_uri       text,
    gateway             text,
    cidr                text,
    vlan                text,
    network_domain      text,
    dns1                text,
    dns2                text,
    state               text NOT NULL DEFAULT 'Setup',
    specify_ip_ranges   boolean NOT NULL DEFAULT false,
    is_system           boolean NOT NULL DEFAULT false,
    account_id          bigint NOT NULL REFERENCES account(id),
    domain_id           bigint NOT NULL REFERENCES domain(id),
    subdomain_access    boolean,
    created             timestamptz NOT NULL DEFAULT now(),
    removed             timestamptz
);

-- Public / guest IP ranges (CloudStack's vlan table) and their addresses (user_ip_address).
CREATE TABLE IF NOT EXISTS vlan_ip_range (
    id                  bigserial PRIMARY KEY,
    uuid                uuid NOT NULL UNIQUE,
    zone_id             bigint NOT NULL REFERENCES zone(id),
    pod_id              bigint REFERENCES pod(id),
    network_id          bigint REFERENCES network(id),
    vlan_tag            text NOT NULL DEFAULT 'untagged',
    gateway             text NOT NULL,
    netmask             text NOT NULL,
    start_ip            inet NOT NULL,
    end_ip              inet NOT NULL,
    for_virtual_network boolean NOT NULL DEFAULT false,   -- false: DirectAttached (Basic zone guest IPs)
    for_system_vms      boolean NOT NULL DEFAULT false,
    account_id          bigint REFERENCES account(id),     -- dedicated to an account
    domain_id           bigint REFERENCES domain(id),
    created             timestamptz NOT NULL DEFAULT now(),
    removed             timestamptz
);

CREATE TABLE IF NOT EXISTS ip_address (
    id           bigserial PRIMARY KEY,
    uuid         uuid NOT NULL UNIQUE,
    vlan_id      bigint NOT NULL REFERENCES vlan_ip_range(id),
    zone_id      bigint NOT NULL REFERENCES zone(id),
    network_id   bigint REFERENCES network(id),
    address      inet NOT NULL,
    state        text NOT NULL DEFAULT 'Free',   -- Free, Allocating, Allocated, Releasing, Reserved
    account_id   bigint,
    domain_id    bigint,
    vm_id        bigint,                         -- the VM holding it (deploy, static NAT)
    nic_id       bigint,
    source_nat   boolean NOT NULL DEFAULT false,
    allocated    timestamptz,
    UNIQUE (zone_id, address)
);
CREATE INDEX IF NOT EXISTS ip_address_free ON ip_address (vlan_id, address) WHERE state = 'Free';

CREATE TABLE IF NOT EXISTS security_group (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    name        text NOT NULL,
    description text,
    account_id  bigint NOT NULL REFERENCES account(id),
    domain_id   bigint NOT NULL REFERENCES domain(id),
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS security_group_name ON security_group (account_id, lower(name));

CREATE TABLE IF NOT EXISTS security_group_rule (
    id                bigserial PRIMARY KEY,
    uuid              uuid NOT NULL UNIQUE,
    security_group_id bigint NOT NULL REFERENCES security_group(id) ON DELETE CASCADE,
    direction         text NOT NULL,             -- ingress, egress
    protocol          text NOT NULL,
    start_port        integer,
    end_port          integer,
    icmp_type         integer,
    icmp_code         integer,
    cidr              text,
    allowed_group_id  bigint REFERENCES security_group(id)
);

-- ================================================================ the simulator hypervisor's own state
-- Only cloudsim/hypervisors/simulator.py reads or writes these tables.
CREATE TABLE IF NOT EXISTS sim_host (
    id            bigserial PRIMARY KEY,
    guid          text NOT NULL UNIQUE,
    url           text NOT NULL,
    zone_id       bigint,                        -- scope for fault injection (as given at connect)
    pod_id        bigint,
    cluster_id    bigint,
    host_id       bigint,
    private_ip    text,
    cpus          integer NOT NULL,
    speed         bigint NOT NULL,
    memory        bigint NOT NULL,
    local_storage bigint NOT NULL,
    arch          text NOT NULL DEFAULT 'x86_64',
    gpus          jsonb NOT NULL DEFAULT '[]',
    responsive    boolean NOT NULL DEFAULT true,   -- false: the agent stops answering
    created       timestamptz NOT NULL DEFAULT now(),
    removed       timestamptz
);

CREATE TABLE IF NOT EXISTS sim_vm (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,            -- the internal instance name (i-2-17-VM)
    sim_host_id bigint NOT NULL REFERENCES sim_host(id),
    power_state text NOT NULL,                   -- PowerOn, PowerOff
    cpus        integer NOT NULL,
    speed       bigint NOT NULL,
    memory      bigint NOT NULL,                 -- bytes
    vgpu        text,
    iso         text,
    boots       integer NOT NULL DEFAULT 1,
    updated     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sim_vm_snapshot (
    id          bigserial PRIMARY KEY,
    vm_name     text NOT NULL,
    name        text NOT NULL,
    power_state text NOT NULL,
    cpus        integer NOT NULL,
    speed       bigint NOT NULL,
    memory      bigint NOT NULL,
    created     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vm_name, name)
);

-- configureSimulator mocks (CloudStack's mockconfiguration).
CREATE TABLE IF NOT EXISTS sim_mock (
    id            bigserial PRIMARY KEY,
    zone_id       bigint,
    pod_id        bigint,
    cluster_id    bigint,
    host_id       bigint,
    name          text NOT NULL,
    value         text NOT NULL,
    count         integer,                       -- NULL = until cleaned up
    json_response text,
    removed       boolean NOT NULL DEFAULT false
);

-- CloudStack's OS categories and a common subset of its guest OS types, with CloudStack's ids.
INSERT INTO guest_os_category (id, uuid, name) VALUES
    (1, gen_random_uuid(), 'CentOS'),
    (2, gen_random_uuid(), 'Debian'),
    (3, gen_random_uuid(), 'Oracle'),
    (4, gen_random_uuid(), 'RedHat'),
    (5, gen_random_uuid(), 'SUSE'),
    (6, gen_random_uuid(), 'Windows'),
    (7, gen_random_uuid(), 'Other'),
    (8, gen_random_uuid(), 'Novel'),
    (9, gen_random_uuid(), 'Unix'),
    (10, gen_random_uuid(), 'Ubuntu'),
    (11, gen_random_uuid(), 'None')
ON CONFLICT (id) DO NOTHING;
INSERT INTO guest_os (id, uuid, category_id, display_name) VALUES
    (12, gen_random_uuid(), 1, 'CentOS 5.3 (64-bit)'),
    (112, gen_random_uuid(), 1, 'CentOS 5.5 (64-bit)'),
    (141, gen_random_uuid(), 1, 'CentOS 5.6 (32-bit)'),
    (142, gen_random_uuid(), 1, 'CentOS 5.6 (64-bit)'),
    (144, gen_random_uuid(), 1, 'CentOS 6.0 (64-bit)'),
    (182, gen_random_uuid(), 1, 'CentOS 6.4 (64-bit)'),
    (297, gen_random_uuid(), 1, 'CentOS 8'),
    (15, gen_random_uuid(), 2, 'Debian GNU/Linux 5.0 (64-bit)'),
    (133, gen_random_uuid(), 2, 'Debian GNU/Linux 6(64-bit)'),
    (184, gen_random_uuid(), 2, 'Debian GNU/Linux 7(64-bit)'),
    (293, gen_random_uuid(), 2, 'Debian GNU/Linux 10 (64-bit)'),
    (148, gen_random_uuid(), 3, 'Oracle Enterprise Linux 6.0 (64-bit)'),
    (114, gen_random_uuid(), 4, 'Red Hat Enterprise Linux 5.5 (64-bit)'),
    (137, gen_random_uuid(), 4, 'Red Hat Enterprise Linux 6.0 (64-bit)'),
    (286, gen_random_uuid(), 4, 'Red Hat Enterprise Linux 8.0'),
    (115, gen_random_uuid(), 4, 'Fedora 13'),
    (47, gen_random_uuid(), 5, 'SUSE Linux Enterprise Server 11 (64-bit)'),
    (49, gen_random_uuid(), 6, 'Windows 7 (64-bit)'),
    (166, gen_random_uuid(), 6, 'Windows 8 (64-bit)'),
    (54, gen_random_uuid(), 6, 'Windows Server 2008 R2 (64-bit)'),
    (167, gen_random_uuid(), 6, 'Windows Server 2012 (64-bit)'),
    (168, gen_random_uuid(), 6, 'Windows Server 2012 R2 (64-bit)'),
    (160, gen_random_uuid(), 6, 'Windows PV'),
    (60, gen_random_uuid(), 7, 'Other (32-bit)'),
    (103, gen_random_uuid(), 7, 'Other (64-bit)'),
    (98, gen_random_uuid(), 7, 'Other Linux (32-bit)'),
    (99, gen_random_uuid(), 7, 'Other Linux (64-bit)'),
    (139, gen_random_uuid(), 7, 'Other PV (32-bit)'),
    (140, gen_random_uuid(), 7, 'Other PV (64-bit)'),
    (138, gen_random_uuid(), 7, 'None'),
    (77, gen_random_uuid(), 8, 'Novell Netware 6.x'),
    (80, gen_random_uuid(), 9, 'Sun Solaris 10(64-bit)'),
    (84, gen_random_uuid(), 9, 'FreeBSD (64-bit)'),
    (59, gen_random_uuid(), 10, 'Other Ubuntu (32-bit)'),
    (100, gen_random_uuid(), 10, 'Other Ubuntu (64-bit)'),
    (126, gen_random_uuid(), 10, 'Ubuntu 10.04 (64-bit)'),
    (164, gen_random_uuid(), 10, 'Ubuntu 12.04 (64-bit)'),
    (279, gen_random_uuid(), 10, 'Ubuntu 18.04 LTS')
ON CONFLICT (id) DO NOTHING;

-- CloudStack's default network offerings that zones are built on.
INSERT INTO network_offering (uuid, name, display_text, guest_type, services, specify_ip_ranges, specify_vlan, availability) VALUES
    (gen_random_uuid(), 'DefaultSharedNetworkOfferingWithSGService', 'Offering for Shared Security group enabled networks', 'Shared',
     '{"Dhcp": ["VirtualRouter"], "Dns": ["VirtualRouter"], "UserData": ["VirtualRouter"], "SecurityGroup": ["SecurityGroupProvider"]}', true, true, 'Optional'),
    (gen_random_uuid(), 'DefaultSharedNetworkOffering', 'Offering for Shared networks', 'Shared',
     '{"Dhcp": ["VirtualRouter"], "Dns": ["VirtualRouter"], "UserData": ["VirtualRouter"]}', true, true, 'Optional'),
    (gen_random_uuid(), 'DefaultIsolatedNetworkOfferingWithSourceNatService', 'Offering for Isolated networks with Source Nat service enabled', 'Isolated',
     '{"Dhcp": ["VirtualRouter"], "Dns": ["VirtualRouter"], "UserData": ["VirtualRouter"], "SourceNat": ["VirtualRouter"], "StaticNat": ["VirtualRouter"], "PortForwarding": ["VirtualRouter"], "Firewall": ["VirtualRouter"], "Lb": ["VirtualRouter"], "Vpn": ["VirtualRouter"]}', false, false, 'Required')
ON CONFLICT (name) DO NOTHING;

-- ---------------------------------------------------------------- image extraction (extractIso)
-- A download URL handed out by extractIso: /client/extract/<token>/<file>, valid until `expires`.
CREATE TABLE IF NOT EXISTS image_extract (
    token    text PRIMARY KEY,
    uuid     uuid NOT NULL UNIQUE,
    image_id bigint NOT NULL REFERENCES vm_template(id),
    zone_id  bigint REFERENCES zone(id),
    account_id bigint NOT NULL,
    created  timestamptz NOT NULL DEFAULT now(),
    expires  timestamptz NOT NULL
);

-- ================================================================ guest VMs, their volumes, NICs and groups
-- A user VM (CloudStack's vm_instance + user_vm collapsed). The integer id comes from the sequence and
-- is part of the internal name i-<account id>-<vm id>-<instance.name>. Every state change goes
-- through core/vm_state.py (compare-and-set on `state`). Expunged rows keep state Expunging and get `removed`.
CREATE SEQUENCE IF NOT EXISTS vm_instance_seq;
CREATE TABLE IF NOT EXISTS vm_instance (
    id                      bigint PRIMARY KEY DEFAULT nextval('vm_instance_seq'),
    uuid                    uuid NOT NULL UNIQUE,
    name                    text NOT NULL,              -- host name (DHCP), RFC 1123 label
    display_name            text,
    instance_name           text NOT NULL,              -- i-2-17-VM, the hypervisor's name
    state                   text NOT NULL DEFAULT 'Stopped',
    power_state             text NOT NULL DEFAULT 'PowerUnknown',
    power_state_updated     timestamptz,
    state_updated           timestamptz NOT NULL DEFAULT now(),
    host_id                 bigint REFERENCES host(id),  -- where it runs (Starting/Running/Stopping/Migrating)
    last_host_id            bigint REFERENCES host(id),
    zone_id                 bigint NOT NULL REFERENCES zone(id),
    pod_id                  bigint REFERENCES pod(id),
    cluster_id              bigint REFERENCES cluster(id),
    hypervisor              text,
    service_offering_id     bigint NOT NULL REFERENCES service_offering(id),
    cpus                    integer NOT NULL,            -- the offering's (or custom) shape at deploy
    speed                   integer NOT NULL,
    memory                  integer NOT NULL,            -- MiB
    template_id             bigint REFERENCES vm_template(id),   -- NULL for ISO and blank VMs
    iso_id                  bigint REFERENCES vm_template(id),   -- the ISO booted / attached
    disk_offering_id        bigint REFERENCES disk_offering(id), -- root disk offering (ISO deploys)
    guest_os_id             bigint REFERENCES guest_os(id),
    account_id              bigint NOT NULL REFERENCES account(id),
    domain_id               bigint NOT NULL REFERENCES domain(id),
    user_id                 bigint NOT NULL REFERENCES users(id),
    ha_enabled              boolean NOT NULL DEFAULT false,
    is_dynamically_scalable boolean NOT NULL DEFAULT false,
    display_vm              boolean NOT NULL DEFAULT true,
    delete_protection       boolean NOT NULL DEFAULT false,
    userdata                text,                        -- normalised base64
    userdata_id             bigint REFERENCES user_data(id),
    userdata_details        text,
    details                 jsonb NOT NULL DEFAULT '{}',
    keypairs                text[] NOT NULL DEFAULT '{}',  -- names within the owner's account, in order
    password                text,                        -- Fernet token of the current guest password
    encrypted_password      text,                        -- base64, RSA-encrypted with the first key pair
    started_once            boolean NOT NULL DEFAULT false,  -- a first start that fails moves the VM to Error
    created                 timestamptz NOT NULL DEFAULT now(),
    removed                 timestamptz
);
-- An owner's live VMs in id order, with what a user's list filters on: count and page are index-only.
DROP INDEX IF EXISTS vm_instance_account;
CREATE INDEX IF NOT EXISTS vm_instance_owner ON vm_instance (account_id, id) INCLUDE (state, display_vm)
    WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_live ON vm_instance (id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_domain ON vm_instance (domain_id, id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_state ON vm_instance (state, state_updated) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_zone ON vm_instance (zone_id, id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_host ON vm_instance (host_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_last_host ON vm_instance (last_host_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_name ON vm_instance (lower(name)) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_template ON vm_instance (template_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_instance_offering ON vm_instance (service_offering_id) WHERE removed IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS vm_instance_instance_name ON vm_instance (instance_name)
    WHERE removed IS NULL AND state <> 'Expunging';

-- Instance groups (per account); a VM is in at most one.
CREATE TABLE IF NOT EXISTS instance_group (
    id         bigserial PRIMARY KEY,
    uuid       uuid NOT NULL UNIQUE,
    name       text NOT NULL,
    account_id bigint NOT NULL REFERENCES account(id),
    domain_id  bigint NOT NULL REFERENCES domain(id),
    created    timestamptz NOT NULL DEFAULT now(),
    removed    timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS instance_group_name ON instance_group (account_id, lower(name)) WHERE removed IS NULL;
CREATE TABLE IF NOT EXISTS instance_group_vm (
    vm_id    bigint PRIMARY KEY REFERENCES vm_instance(id),
    group_id bigint NOT NULL REFERENCES instance_group(id)
);
CREATE INDEX IF NOT EXISTS instance_group_vm_group ON instance_group_vm (group_id);

-- Disks. type ROOT or DATADISK; state Allocated, Ready, Destroy, Expunged (CloudStack's Volume.State).
CREATE TABLE IF NOT EXISTS volume (
    id               bigserial PRIMARY KEY,
    uuid             uuid NOT NULL UNIQUE,
    name             text NOT NULL,
    vm_id            bigint REFERENCES vm_instance(id),
    account_id       bigint NOT NULL REFERENCES account(id),
    domain_id        bigint NOT NULL REFERENCES domain(id),
    zone_id          bigint NOT NULL REFERENCES zone(id),
    pod_id           bigint REFERENCES pod(id),
    cluster_id       bigint REFERENCES cluster(id),
    type             text NOT NULL,
    device_id        integer,
    size             bigint NOT NULL,                -- bytes
    state            text NOT NULL DEFAULT 'Allocated',
    disk_offering_id bigint REFERENCES disk_offering(id),
    template_id      bigint REFERENCES vm_template(id),
    provisioning_type text NOT NULL DEFAULT 'thin',
    storage_type     text NOT NULL DEFAULT 'shared',
    path             text,
    display_volume   boolean NOT NULL DEFAULT true,
    attached         timestamptz,
    created          timestamptz NOT NULL DEFAULT now(),
    removed          timestamptz
);
CREATE INDEX IF NOT EXISTS volume_vm ON volume (vm_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS volume_account ON volume (account_id, id) WHERE removed IS NULL;

-- NICs: one on the zone's guest network per VM (Basic zone), with its address from the VLAN range.
CREATE TABLE IF NOT EXISTS nic (
    id           bigserial PRIMARY KEY,
    uuid         uuid NOT NULL UNIQUE,
    vm_id        bigint NOT NULL REFERENCES vm_instance(id),
    network_id   bigint NOT NULL REFERENCES network(id),
    ip_address   text,
    ip_id        bigint REFERENCES ip_address(id),
    netmask      text,
    gateway      text,
    mac_address  text NOT NULL,
    broadcast_uri text,
    isolation_uri text,
    device_id    integer NOT NULL DEFAULT 0,
    is_default   boolean NOT NULL DEFAULT true,
    state        text NOT NULL DEFAULT 'Reserved',
    created      timestamptz NOT NULL DEFAULT now(),
    removed      timestamptz
);
CREATE INDEX IF NOT EXISTS nic_vm ON nic (vm_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS nic_network ON nic (network_id) WHERE removed IS NULL;

-- A Basic-zone VM's public address: ip_address.vm_id + nic_id name the VM and NIC it is statically
-- NATed to (one_to_one_nat); associateIpAddress/enableStaticNat manage the same columns.
ALTER TABLE ip_address ADD COLUMN IF NOT EXISTS one_to_one_nat boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS ip_address_vm ON ip_address (vm_id) WHERE vm_id IS NOT NULL;
-- The public address NATed to a NIC, looked up for every NIC a VM list shows.
CREATE INDEX IF NOT EXISTS ip_address_nat_nic ON ip_address (nic_id) WHERE one_to_one_nat;

-- Security groups a VM is in (Basic zone: at least the owner's default group).
CREATE TABLE IF NOT EXISTS vm_security_group (
    vm_id             bigint NOT NULL REFERENCES vm_instance(id),
    security_group_id bigint NOT NULL REFERENCES security_group(id),
    PRIMARY KEY (vm_id, security_group_id)
);
CREATE INDEX IF NOT EXISTS vm_security_group_group ON vm_security_group (security_group_id);

-- Affinity group membership, stored at deploy; affinity_group itself belongs to the affinity area.
CREATE TABLE IF NOT EXISTS vm_affinity_group (
    vm_id             bigint NOT NULL REFERENCES vm_instance(id),
    affinity_group_id bigint NOT NULL,
    PRIMARY KEY (vm_id, affinity_group_id)
);
CREATE INDEX IF NOT EXISTS vm_affinity_group_group ON vm_affinity_group (affinity_group_id);

-- ---------------------------------------------------------------- public IPs, elastic IP
-- is_system: the IP was taken for a VM by the system (Basic zone with elastic IP) rather than by
-- associateIpAddress; such an IP goes back to the pool when its static NAT ends. display: fordisplay.
ALTER TABLE ip_address ADD COLUMN IF NOT EXISTS is_system boolean NOT NULL DEFAULT false;
ALTER TABLE ip_address ADD COLUMN IF NOT EXISTS display boolean NOT NULL DEFAULT true;
CREATE INDEX IF NOT EXISTS ip_address_account ON ip_address (account_id, id) WHERE account_id IS NOT NULL;
-- Elastic IP (the EIP offering's ElasticIp and AssociatePublicIP capabilities).
ALTER TABLE network_offering ADD COLUMN IF NOT EXISTS elastic_ip boolean NOT NULL DEFAULT false;
ALTER TABLE network_offering ADD COLUMN IF NOT EXISTS associate_public_ip boolean NOT NULL DEFAULT false;
INSERT INTO network_offering (uuid, name, display_text, guest_type, services, specify_ip_ranges, specify_vlan,
                              availability, elastic_ip, associate_public_ip) VALUES
    (gen_random_uuid(), 'DefaultSharedNetscalerEIPandELBNetworkOffering',
     'Offering for Shared networks with Elastic IP and Elastic LB capabilities', 'Shared',
     '{"Dhcp": ["VirtualRouter"], "Dns": ["VirtualRouter"], "UserData": ["VirtualRouter"], "SecurityGroup": ["SecurityGroupProvider"], "StaticNat": ["Netscaler"], "Lb": ["Netscaler"]}',
     true, true, 'Optional', true, true)
ON CONFLICT (name) DO NOTHING;

-- ---------------------------------------------------------------- affinity groups
CREATE TABLE IF NOT EXISTS affinity_group (
    id          bigserial PRIMARY KEY,
    uuid        uuid NOT NULL UNIQUE,
    name        text NOT NULL,
    type        text NOT NULL,              -- host affinity, host anti-affinity, ...
    description text,
    acl_type    text NOT NULL DEFAULT 'Account',
    account_id  bigint NOT NULL REFERENCES account(id),
    domain_id   bigint NOT NULL REFERENCES domain(id),
    created     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS affinity_group_name ON affinity_group (account_id, lower(name));

-- ---------------------------------------------------------------- resource tags
CREATE TABLE IF NOT EXISTS resource_tag (
    id            bigserial PRIMARY KEY,
    uuid          uuid NOT NULL UNIQUE,
    key           text NOT NULL,
    value         text NOT NULL,
    resource_id   bigint NOT NULL,
    resource_uuid text NOT NULL,
    resource_type text NOT NULL,           -- UserVm, Template, ISO, Volume, PublicIpAddress, ...
    customer      text,
    account_id    bigint REFERENCES account(id),
    domain_id     bigint REFERENCES domain(id),
    created       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS resource_tag_key ON resource_tag (resource_type, resource_id, lower(key));
CREATE INDEX IF NOT EXISTS resource_tag_kv ON resource_tag (resource_type, lower(key), value);
-- Basic zones that already have public ranges run elastic IP.
UPDATE network SET network_offering_id = (SELECT id FROM network_offering WHERE name = 'DefaultSharedNetscalerEIPandELBNetworkOffering')
 WHERE removed IS NULL AND guest_type = 'Shared'
   AND network_offering_id = (SELECT id FROM network_offering WHERE name = 'DefaultSharedNetworkOfferingWithSGService')
   AND zone_id IN (SELECT z.id FROM zone z JOIN vlan_ip_range r ON r.zone_id = z.id
                    WHERE z.network_type = 'Basic' AND r.for_virtual_network AND r.removed IS NULL);

-- A stopped VM keeps its CPU/RAM reserved on its last host until this time (capacity.skipcounting.hours).
ALTER TABLE vm_instance ADD COLUMN IF NOT EXISTS capacity_held_until timestamptz;
CREATE INDEX IF NOT EXISTS vm_instance_held ON vm_instance (capacity_held_until) WHERE capacity_held_until IS NOT NULL;
-- The host a Migrating VM is moving to (its capacity is taken there until the move ends).
ALTER TABLE vm_instance ADD COLUMN IF NOT EXISTS migration_target_id bigint REFERENCES host(id);

-- ---------------------------------------------------------------- VM snapshots
-- CloudStack's vm_snapshots. state: Allocated, Creating, Ready, Reverting, Expunging, Removed, Error
-- (core/vm_snapshot.py moves it, compare-and-set). `parent_id` is the snapshot the VM sat on when this
-- one was taken; `current` marks the one it sits on now. The offering and shape are the VM's at the
-- time, given back on revert. Deleted rows keep state Removed and get `removed`.
CREATE TABLE IF NOT EXISTS vm_snapshot (
    id                  bigserial PRIMARY KEY,
    uuid                uuid NOT NULL UNIQUE,
    name                text NOT NULL,             -- <instance name>_VS_<yyyyMMddHHmmss>
    display_name        text NOT NULL,
    description         text,
    vm_id               bigint NOT NULL REFERENCES vm_instance(id),
    account_id          bigint NOT NULL REFERENCES account(id),
    domain_id           bigint NOT NULL REFERENCES domain(id),
    service_offering_id bigint NOT NULL REFERENCES service_offering(id),
    cpus                integer NOT NULL,
    speed               integer NOT NULL,
    memory              integer NOT NULL,          -- MiB
    type                text NOT NULL,             -- Disk, DiskAndMemory
    state               text NOT NULL DEFAULT 'Allocated',
    parent_id           bigint REFERENCES vm_snapshot(id),
    current             boolean NOT NULL DEFAULT false,
    quiesce             boolean NOT NULL DEFAULT false,
    created             timestamptz NOT NULL DEFAULT now(),
    state_updated       timestamptz NOT NULL DEFAULT now(),
    removed             timestamptz
);
CREATE INDEX IF NOT EXISTS vm_snapshot_vm ON vm_snapshot (vm_id) WHERE removed IS NULL;
CREATE INDEX IF NOT EXISTS vm_snapshot_account ON vm_snapshot (account_id, created) WHERE removed IS NULL;
