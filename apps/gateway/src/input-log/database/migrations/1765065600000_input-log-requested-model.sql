-- Up Migration

-- The model a request asked for (POST /process's model/model_version, or an
-- OIP infer route's {name}/{v}) and the kind of request ('infer'; null for
-- POST /process). All null for the records written before (docs/model-serving.md).
ALTER TABLE input_log
  ADD COLUMN model text,
  ADD COLUMN model_version text,
  ADD COLUMN kind text CHECK (kind IN ('infer'));

-- Down Migration

ALTER TABLE input_log DROP COLUMN kind, DROP COLUMN model_version, DROP COLUMN model;
