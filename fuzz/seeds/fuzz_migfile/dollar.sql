-- revision: 3f9a1c2b7d10
-- revises: base
-- message: fn

-- +up
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
COPY t (a) FROM STDIN;
1
2
\.
CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;
-- +down
DROP FUNCTION f();
