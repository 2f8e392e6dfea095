-- revision: 3f9a1c2b7d10
-- revises: base
-- irreversible: drops data
-- transaction: off

-- +up
CREATE INDEX CONCURRENTLY i ON t (a);
-- +down
