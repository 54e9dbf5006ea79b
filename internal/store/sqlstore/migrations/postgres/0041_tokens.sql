-- Tokens for server-side integrations (docs/api.md, Authentication).
-- Keep in step with ../sqlite/0041_tokens.sql.

-- The tenant the metadata documents answer for ('' = the default), and the
-- number of live login sessions a user may hold (0 = no limit).
ALTER TABLE settings ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN max_sessions_per_user BIGINT NOT NULL DEFAULT 0;

-- Whether a client application may obtain tokens on behalf of users.
ALTER TABLE client_apps ADD COLUMN on_behalf_of BOOLEAN NOT NULL DEFAULT FALSE;

-- The scopes granted to a session, space-separated ('' = every scope of
-- its actor type, as before scopes existed), and whether it was obtained by
-- a client on behalf of the user (such a session is not a login: it does
-- not make the user logged in and does not count against the limit).
ALTER TABLE sessions ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN on_behalf BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX sessions_user_live ON sessions (user_id, created);

-- Failed logins and client authentications, counted in fixed windows per
-- key (the hash of a user name, client ID or address), so that every server
-- process on the database enforces one limit.
CREATE TABLE login_failures (
    key          TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
