-- Up Migration

-- One row per request id (docs/input-log.md, "Shipping to PostgreSQL"). Rows are
-- written only by the gateways' shippers: the input first, its outcome merged in later.
CREATE TABLE input_log (
  -- Byte order ("C"): pages sort as the gateway compares ids, and the index is cheaper.
  id text COLLATE "C" PRIMARY KEY,
  instance_id text NOT NULL,
  received_at timestamptz NOT NULL,
  redaction text NOT NULL CHECK (redaction IN ('none', 'hash', 'length')),
  data text,
  data_hash text,
  data_length integer,
  forward_to_model boolean NOT NULL,
  -- {status, latency_ms[, class, confidence, model_version][, code]}; null until recorded.
  outcome jsonb,
  outcome_recorded_at timestamptz,
  -- Times an input with this id was written: 1, unless a client sent the id again
  -- (or a batch was shipped twice, which the shipper's position prevents).
  input_writes integer NOT NULL DEFAULT 1,
  shipped_at timestamptz NOT NULL DEFAULT now()
);

-- GET /logs pages newest first by (received_at, id): an ordered index scan, a
-- few pages of the index per request at any table size. Retention deletes by
-- received_at through it too.
CREATE INDEX input_log_received_at_id ON input_log (received_at DESC, id DESC);

-- Where each replica's shipper is in its local log, written in the same
-- transaction as the rows it shipped: a batch lands once, with its position.
CREATE TABLE input_log_shipper (
  instance_id text PRIMARY KEY,
  segment bigint NOT NULL,
  byte_offset bigint NOT NULL,
  segment_records bigint NOT NULL,
  shipped_records bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration

DROP TABLE input_log_shipper;
DROP TABLE input_log;
