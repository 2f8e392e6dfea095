/*
 * fuzz/fuzz_config.c - strata.ini (core/config.c) from arbitrary bytes.
 *
 * The input is written to strata.ini in a private temporary folder and
 * loaded as `strata -c` would; its first line is also tried as each of
 * the flags a user types (--lock-timeout and friends, -d). A bad file or
 * flag must be an error naming it, never a crash; a loaded config keeps
 * its documented shape.
 */
#include "fuzz.h"

#include "strata/config.h"
#include "strata/error.h"
#include "util/strutil.h"

#include <fcntl.h>
#include <unistd.h>

static char dir[64];
static char ini[128];

static void setup(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s", "/tmp/strata-fuzz-config.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(ini, sizeof(ini), "%s/strata.ini", dir);
}

static void load(const strata_config_input *in)
{
	strata_config *c = NULL;

	if (strata_config_load(&c, in) != 0) {
		FUZZ_CHECK(c == NULL);
		FUZZ_CHECK(strata_error_last()->message[0] != '\0');
		return;
	}
	FUZZ_CHECK(c->root && c->migrations && c->version_table && c->history_table && c->database);
	FUZZ_CHECK(c->lock_timeout_ms >= 0 && c->statement_timeout_ms >= 0 && c->lock_wait_ms >= 0);
	FUZZ_CHECK(c->lock_retries >= 0);
	strata_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	strata_config_input in = STRATA_CONFIG_INPUT_INIT;
	char *first = fuzz_cstr(data, size), *nl;
	long v;
	int fd;

	setup();
	fd = open(ini, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		abort();
	in.cwd = dir;
	in.config_file = ini;
	load(&in);

	if ((nl = strchr(first, '\n')) != NULL)
		*nl = '\0';
	(void)strata__parse_duration_ms(&v, first);
	(void)strata__parse_count(&v, first);
	in.lock_timeout = first;
	load(&in);
	in.lock_timeout = NULL;
	in.lock_wait = first;
	in.database = first;
	load(&in);
	free(first);
	strata_error_clear();
	return 0;
}
