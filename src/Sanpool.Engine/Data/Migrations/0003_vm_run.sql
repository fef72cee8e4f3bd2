-- sanpool-engine schema, version 3: VMs run on hosts (VmRunJobs, VmMonitor). oVirt's vm_dynamic
-- keeps when a VM last started and stopped and why it went down; status, run_on_vds and
-- pause_reason (ENOSPC: paused for lack of space) are in version 1 already.
ALTER TABLE vm_dynamic ADD COLUMN last_start_time {timestamp};
ALTER TABLE vm_dynamic ADD COLUMN last_stop_time {timestamp};
ALTER TABLE vm_dynamic ADD COLUMN exit_message TEXT;
