-- revision: 3f9a1c2b7d10
-- revises: 8e21d0a4c6f2 1a2b3c4d5e6f
-- message: merge
-- depends-on: 0a0b0c0d0e0f
-- branch: billing

-- +up
-- +down
