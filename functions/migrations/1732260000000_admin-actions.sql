-- Up Migration

-- The audit trail: every admin action (who, what, when, with which parameters, and how it ended).
-- Written by the callable that performed the action, never by a client.
CREATE TABLE admin_actions (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_uid    text NOT NULL,
  actor_email  text,
  action       text NOT NULL,
  target       text,
  params       jsonb NOT NULL DEFAULT '{}'::jsonb,
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'error')),
  result       jsonb,
  error        text
);
CREATE INDEX admin_actions_at_idx ON admin_actions (at DESC, id DESC);
CREATE INDEX admin_actions_action_idx ON admin_actions (action, at DESC);
CREATE INDEX admin_actions_actor_idx ON admin_actions (actor_uid, at DESC);

-- Down Migration
DROP TABLE admin_actions;
