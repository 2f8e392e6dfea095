#!/usr/bin/env bash
# Batched data steps and the not-null template on SQLite files (tests/integration/batch.sh).
ENGINE=sqlite
. "$(dirname "$0")/batch.sh"
