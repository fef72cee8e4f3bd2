-- sanpool-engine schema, version 1: the oVirt engine's inventory tables (names, columns and
-- enum values as in its packaging/dbscripts/create_tables.sql where the concept is the same),
-- plus Sanpool's users and tokens.
--
-- One script for both databases, not one per dialect: the two schemas differ only in four
-- column types, and two copies of 250 lines would drift apart (a column added to one and not
-- the other) with nothing to notice it. The dialect replaces four tokens before running it
-- (SqlDialect.cs): {uuid} (uuid | TEXT, lowercase canonical form), {timestamp} (timestamptz |
-- TEXT, UTC ISO 8601 with microseconds), {bool} (boolean | INTEGER 0/1) and {identity} (the
-- type and constraints of an auto-numbered bigint primary key, ids never reused). Everything
-- else is SQL that PostgreSQL and SQLite (3.35 or later) read alike.
--
-- No DEFAULT for times: the engine writes every time itself, from its TimeProvider, so both
-- databases hold the same text/instant.

CREATE TABLE storage_pool (
    id {uuid} NOT NULL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    status INTEGER NOT NULL,
    master_domain_version INTEGER NOT NULL DEFAULT 0,
    -- No foreign key to vds_static: vds_static refers to storage_pool, and the election keeps
    -- this column right (a host removed while SPM is refused before it gets here).
    spm_vds_id {uuid},
    compatibility_version TEXT NOT NULL,
    _create_date {timestamp} NOT NULL,
    _update_date {timestamp}
);

CREATE TABLE storage_domain_static (
    id {uuid} NOT NULL PRIMARY KEY,
    -- The volume group name (block domain) or the path (file domain).
    storage TEXT NOT NULL,
    storage_name TEXT NOT NULL,
    storage_domain_type INTEGER NOT NULL,
    storage_type INTEGER NOT NULL,
    storage_domain_format_type TEXT NOT NULL DEFAULT '5',
    warning_low_space_indicator INTEGER NOT NULL DEFAULT 10,
    critical_space_action_blocker INTEGER NOT NULL DEFAULT 5,
    block_size INTEGER NOT NULL DEFAULT 512,
    wipe_after_delete {bool} NOT NULL DEFAULT FALSE,
    discard_after_delete {bool} NOT NULL DEFAULT FALSE,
    _create_date {timestamp} NOT NULL,
    _update_date {timestamp}
);

CREATE TABLE storage_domain_dynamic (
    id {uuid} NOT NULL PRIMARY KEY REFERENCES storage_domain_static (id) ON DELETE CASCADE,
    available_disk_size INTEGER,
    used_disk_size INTEGER,
    _update_date {timestamp}
);

CREATE TABLE storage_pool_iso_map (
    storage_id {uuid} NOT NULL REFERENCES storage_domain_static (id) ON DELETE CASCADE,
    storage_pool_id {uuid} NOT NULL REFERENCES storage_pool (id) ON DELETE CASCADE,
    status INTEGER NOT NULL,
    PRIMARY KEY (storage_id, storage_pool_id)
);
CREATE INDEX idx_storage_pool_iso_map_storage_pool_id ON storage_pool_iso_map (storage_pool_id);

CREATE TABLE vds_static (
    vds_id {uuid} NOT NULL PRIMARY KEY,
    vds_name TEXT NOT NULL UNIQUE,
    host_name TEXT NOT NULL,
    -- Sanpool's: where the host's agent answers (unix socket path, or host:port), and the
    -- bearer token the engine sends it (null for a unix socket, where file modes guard it).
    agent_address TEXT NOT NULL,
    agent_token TEXT,
    vds_spm_priority INTEGER NOT NULL DEFAULT 5 CHECK (vds_spm_priority BETWEEN -1 AND 10),
    -- The engine keeps this in the host's cluster; Sanpool has no clusters, so a host names
    -- its pool directly (null until it joins one).
    storage_pool_id {uuid} REFERENCES storage_pool (id) ON DELETE SET NULL,
    _create_date {timestamp} NOT NULL,
    _update_date {timestamp}
);
CREATE INDEX idx_vds_static_storage_pool_id ON vds_static (storage_pool_id);

CREATE TABLE vds_dynamic (
    vds_id {uuid} NOT NULL PRIMARY KEY REFERENCES vds_static (vds_id) ON DELETE CASCADE,
    status INTEGER NOT NULL,
    non_operational_reason TEXT,
    spm_status INTEGER NOT NULL DEFAULT 0,
    -- Sanpool's: when the host last answered a poll.
    last_seen {timestamp},
    _update_date {timestamp}
);

CREATE TABLE vds_spm_id_map (
    storage_pool_id {uuid} NOT NULL REFERENCES storage_pool (id) ON DELETE CASCADE,
    vds_spm_id INTEGER NOT NULL CHECK (vds_spm_id BETWEEN 1 AND 250),
    vds_id {uuid} NOT NULL REFERENCES vds_static (vds_id) ON DELETE CASCADE,
    PRIMARY KEY (storage_pool_id, vds_spm_id),
    UNIQUE (storage_pool_id, vds_id)
);

CREATE TABLE vm_static (
    vm_guid {uuid} NOT NULL PRIMARY KEY,
    vm_name TEXT NOT NULL,
    entity_type TEXT NOT NULL CHECK (entity_type IN ('VM', 'TEMPLATE')),
    -- The template the VM came from, all zeros if none (as in the engine): no foreign key.
    vmt_guid {uuid} NOT NULL,
    mem_size_mb INTEGER NOT NULL,
    description TEXT,
    creation_date {timestamp} NOT NULL,
    _update_date {timestamp}
);

CREATE TABLE vm_dynamic (
    vm_guid {uuid} NOT NULL PRIMARY KEY REFERENCES vm_static (vm_guid) ON DELETE CASCADE,
    status INTEGER NOT NULL,
    run_on_vds {uuid} REFERENCES vds_static (vds_id) ON DELETE SET NULL,
    pause_reason TEXT
);

CREATE TABLE base_disks (
    disk_id {uuid} NOT NULL PRIMARY KEY,
    disk_alias TEXT NOT NULL,
    disk_description TEXT,
    shareable {bool} NOT NULL DEFAULT FALSE,
    wipe_after_delete {bool} NOT NULL DEFAULT FALSE,
    disk_content_type INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE disk_vm_element (
    disk_id {uuid} NOT NULL REFERENCES base_disks (disk_id) ON DELETE CASCADE,
    vm_id {uuid} NOT NULL REFERENCES vm_static (vm_guid) ON DELETE CASCADE,
    is_boot {bool} NOT NULL DEFAULT FALSE,
    disk_interface TEXT NOT NULL,
    PRIMARY KEY (disk_id, vm_id)
);
CREATE INDEX idx_disk_vm_element_vm_id ON disk_vm_element (vm_id);

CREATE TABLE snapshots (
    snapshot_id {uuid} NOT NULL PRIMARY KEY,
    vm_id {uuid} NOT NULL REFERENCES vm_static (vm_guid) ON DELETE CASCADE,
    snapshot_type TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    creation_date {timestamp} NOT NULL,
    vm_configuration TEXT
);
CREATE INDEX idx_snapshots_vm_id ON snapshots (vm_id);
-- One ACTIVE snapshot per VM.
CREATE UNIQUE INDEX idx_snapshots_one_active_per_vm ON snapshots (vm_id) WHERE snapshot_type = 'ACTIVE';

CREATE TABLE images (
    image_guid {uuid} NOT NULL PRIMARY KEY,
    creation_date {timestamp} NOT NULL,
    size BIGINT NOT NULL,
    -- The template base, all zeros if none: no foreign key (as in the engine).
    it_guid {uuid} NOT NULL,
    -- The parent volume, all zeros for a base: no foreign key (as in the engine).
    parentid {uuid} NOT NULL,
    imagestatus INTEGER NOT NULL,
    lastmodified {timestamp},
    -- Checked at commit only: taking a VM snapshot gives the ACTIVE row a new id and inserts
    -- the old id again as the new REGULAR snapshot, in one transaction, while the old leaves
    -- keep pointing at the old id (SnapshotStore.BeginVmSnapshotAsync).
    vm_snapshot_id {uuid} REFERENCES snapshots (snapshot_id) DEFERRABLE INITIALLY DEFERRED,
    volume_type INTEGER NOT NULL,
    volume_format INTEGER NOT NULL,
    image_group_id {uuid} NOT NULL REFERENCES base_disks (disk_id) ON DELETE CASCADE,
    active {bool} NOT NULL,
    volume_classification INTEGER NOT NULL,
    sequence_number INTEGER NOT NULL
);
CREATE INDEX idx_images_image_group_id ON images (image_group_id);
CREATE INDEX idx_images_vm_snapshot_id ON images (vm_snapshot_id);
CREATE INDEX idx_images_parentid ON images (parentid);
-- One leaf per disk.
CREATE UNIQUE INDEX idx_images_one_active_per_disk ON images (image_group_id) WHERE active;

-- The engine's map also has quota_id and disk_profile_id; Sanpool has neither quotas nor disk
-- profiles, so they are left out.
CREATE TABLE image_storage_domain_map (
    image_id {uuid} NOT NULL REFERENCES images (image_guid) ON DELETE CASCADE,
    storage_domain_id {uuid} NOT NULL REFERENCES storage_domain_static (id) ON DELETE CASCADE,
    PRIMARY KEY (image_id, storage_domain_id)
);
CREATE INDEX idx_image_storage_domain_map_storage_domain_id ON image_storage_domain_map (storage_domain_id);

CREATE TABLE disk_image_dynamic (
    image_id {uuid} NOT NULL PRIMARY KEY REFERENCES images (image_guid) ON DELETE CASCADE,
    actual_size BIGINT,
    read_rate BIGINT,
    write_rate BIGINT,
    read_latency_seconds DOUBLE PRECISION,
    write_latency_seconds DOUBLE PRECISION,
    flush_latency_seconds DOUBLE PRECISION,
    _update_date {timestamp}
);

CREATE TABLE job (
    job_id {uuid} NOT NULL PRIMARY KEY,
    action_type TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_id {uuid},
    visible {bool} NOT NULL DEFAULT TRUE,
    start_time {timestamp} NOT NULL,
    end_time {timestamp},
    last_update_time {timestamp} NOT NULL,
    correlation_id TEXT NOT NULL,
    is_external {bool} NOT NULL DEFAULT FALSE,
    is_auto_cleared {bool} NOT NULL DEFAULT TRUE
);
CREATE INDEX idx_job_status ON job (status);
CREATE INDEX idx_job_start_time ON job (start_time);

CREATE TABLE step (
    step_id {uuid} NOT NULL PRIMARY KEY,
    parent_step_id {uuid} REFERENCES step (step_id) ON DELETE CASCADE,
    job_id {uuid} NOT NULL REFERENCES job (job_id) ON DELETE CASCADE,
    step_type TEXT NOT NULL,
    description TEXT NOT NULL,
    step_number INTEGER NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER CHECK (progress BETWEEN 0 AND 100),
    start_time {timestamp} NOT NULL,
    end_time {timestamp},
    correlation_id TEXT NOT NULL,
    -- The SPM task the step waits for.
    external_id {uuid},
    external_system_type TEXT
);
CREATE INDEX idx_step_job_id ON step (job_id);
CREATE INDEX idx_step_parent_step_id ON step (parent_step_id);

CREATE TABLE async_tasks (
    task_id {uuid} NOT NULL PRIMARY KEY,
    -- The agent verb the task runs (the engine stores its own action number here).
    action_type TEXT NOT NULL,
    status INTEGER NOT NULL,
    vdsm_task_id {uuid} NOT NULL,
    step_id {uuid} REFERENCES step (step_id) ON DELETE SET NULL,
    command_id {uuid} NOT NULL,
    storage_pool_id {uuid} NOT NULL,
    started_at {timestamp} NOT NULL
);
CREATE INDEX idx_async_tasks_storage_pool_id ON async_tasks (storage_pool_id);

-- No foreign keys: an event names what it was about (ids and names copied in) and outlives it.
CREATE TABLE audit_log (
    audit_log_id {identity},
    log_time {timestamp} NOT NULL,
    log_type INTEGER NOT NULL,
    log_type_name TEXT NOT NULL,
    severity INTEGER NOT NULL,
    message TEXT NOT NULL,
    user_id {uuid},
    user_name TEXT,
    vds_id {uuid},
    vds_name TEXT,
    vm_id {uuid},
    vm_name TEXT,
    storage_domain_id {uuid},
    storage_domain_name TEXT,
    storage_pool_id {uuid},
    storage_pool_name TEXT,
    correlation_id TEXT,
    job_id {uuid},
    origin TEXT NOT NULL DEFAULT 'sanpool'
);
CREATE INDEX idx_audit_log_log_time ON audit_log (log_time);
CREATE INDEX idx_audit_log_job_id ON audit_log (job_id);

-- Sanpool's own: users of the REST API and their bearer tokens.
CREATE TABLE engine_users (
    user_id {uuid} NOT NULL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'readonly')),
    created {timestamp} NOT NULL
);

CREATE TABLE engine_tokens (
    -- SHA-256 of the token, lowercase hex: the token itself is never stored.
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES engine_users (user_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created {timestamp} NOT NULL,
    expires {timestamp},
    last_used {timestamp}
);
CREATE INDEX idx_engine_tokens_user_id ON engine_tokens (user_id);
