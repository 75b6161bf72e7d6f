-- Catch-up from Kapso's API (reconcile): per workspace, the end of the last window whose every page was applied.
-- The next automatic run starts a few minutes before it, so nothing Kapso stored in between is skipped.
CREATE TABLE reconcile_watermarks (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id),
    until_at     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
