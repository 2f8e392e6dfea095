-- revision: 3f9a1c2b7d10
-- revises: 8e21d0a4c6f2
-- contracts: 8e21d0a4c6f2

-- +online
{"operations": [{"add_column": {"table": "t", "column": {"name": "c", "type": "text"}}}]}
-- +down
ALTER TABLE t DROP COLUMN c;
