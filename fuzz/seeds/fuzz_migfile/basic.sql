-- revision: 3f9a1c2b7d10
-- revises: 8e21d0a4c6f2
-- message: add users.org_id
-- transaction: on

-- +up
ALTER TABLE users ADD COLUMN org_id uuid;

-- +down
ALTER TABLE users DROP COLUMN org_id;
