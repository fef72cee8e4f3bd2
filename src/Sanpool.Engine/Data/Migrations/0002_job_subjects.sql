-- sanpool-engine schema, version 2: what each job works on (oVirt's job_subject_entity), so a
-- second action on a LOCKED entity is refused with the job that holds it, and a restarted
-- engine knows which rows a job it was running had locked.
CREATE TABLE job_subject_entity (
    job_id {uuid} NOT NULL REFERENCES job (job_id) ON DELETE CASCADE,
    entity_id {uuid} NOT NULL,
    entity_type TEXT NOT NULL,
    PRIMARY KEY (job_id, entity_id)
);
CREATE INDEX idx_job_subject_entity_entity_id ON job_subject_entity (entity_id);
