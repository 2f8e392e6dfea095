-- revision: 3f9a1c2b7d10
-- revises: base
-- online: 3f9a1c2b7d10_x.json

-- +up
