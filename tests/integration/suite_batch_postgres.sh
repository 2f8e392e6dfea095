#!/usr/bin/env bash
# Batched data steps and the not-null template on the throwaway PostgreSQL
# tests/run-all.sh starts (tests/integration/batch.sh).
ENGINE=postgres
. "$(dirname "$0")/batch.sh"
