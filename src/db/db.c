/*
 * db/db.c - connection dispatch and the thin wrappers over the driver vtable.
 */
#include "db/db.h"
