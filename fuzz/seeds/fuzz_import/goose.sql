BEGIN;
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;
-- +goose StatementEnd
-- +goose Down
DROP FUNCTION f();
COMMIT;
