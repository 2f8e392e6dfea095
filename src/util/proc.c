/*
 * util/proc.c - run a program and read its output, with a time limit
 * (see proc.h).
 */
#include "util/proc.h"
#include "strata/error.h"
#include "util/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR_KEEP (64u * 1024)

/* The process group of the program running now, 0 when none. */
static atomic_int running_pgid;

void strata__proc_abort_all(void)
{
	int pgid = atomic_load(&running_pgid);

	if (pgid > 0)
		kill(-pgid, SIGKILL);
}

/* In the child: report errno through the status pipe and end. */
static void child_fail(int fd, int what)
{
	int e[2] = { what, errno };
	ssize_t w = write(fd, e, sizeof(e));

	(void)w;
	_exit(127);
}

static void child(const char *const *argv, const char *dir, int out_fd, int err_fd, int st_fd)
{
	sigset_t none;
	int devnull;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((devnull = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(devnull, STDIN_FILENO);
		close(devnull);
	}
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		child_fail(st_fd, 0);
	if (dir && chdir(dir) != 0)
		child_fail(st_fd, 1);
	execvp(argv[0], (char *const *)argv);
	child_fail(st_fd, 0);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is there on fd into b (up to keep bytes kept; the rest read
 * and dropped). 1 at end of file, 0 otherwise, -1 on a read error. */
static int drain(int fd, strata_buf *b, size_t keep, size_t *total)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return 1;
	*total += (size_t)n;
	if (b && b->len < keep)
		strata__buf_putn(b, chunk, (size_t)n < keep - b->len ? (size_t)n : keep - b->len);
	return 0;
}

static int cloexec_pipe(int fd[2])
{
	if (pipe(fd) != 0)
		return -1;
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

int strata__proc_run(proc_result *res, const char *const *argv, const char *dir, long timeout_ms,
	     size_t max_out, strata_buf *out, strata_buf *err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, ps[2] = { -1, -1 };
	double start = strata__now_ms();
	size_t out_total = 0, err_total = 0;
	int status = 0, killed = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (cloexec_pipe(po) != 0 || cloexec_pipe(pe) != 0 || cloexec_pipe(ps) != 0) {
		strata_error_set(STRATA_ERROR, "cannot make pipes to run '%s': %s", argv[0],
				 strerror(errno));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		strata_error_set(STRATA_ERROR, "cannot start '%s': %s", argv[0], strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(argv, dir, po[1], pe[1], ps[1]);
	/* Also here: whichever runs first, the group exists before a kill. */
	setpgid(pid, pid);
	atomic_store(&running_pgid, (int)pid);
	close_fd(&po[1]);
	close_fd(&pe[1]);
	close_fd(&ps[1]);

	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd fds[2];
		nfds_t nfds = 0;
		long left = timeout_ms > 0 ? timeout_ms - (long)(strata__now_ms() - start) : -1;
		int r;

		if (timeout_ms > 0 && left <= 0) {
			killed = PROC_TIMED_OUT;
			break;
		}
		if (po[0] >= 0)
			fds[nfds++] = (struct pollfd){ .fd = po[0], .events = POLLIN };
		if (pe[0] >= 0)
			fds[nfds++] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
		r = poll(fds, nfds, left > 1000000 ? 1000000 : (int)left);
		if (r < 0 && errno != EINTR) {
			strata_error_set(STRATA_ERROR, "cannot read from '%s': %s", argv[0],
					 strerror(errno));
			killed = -1;
			break;
		}
		for (nfds_t i = 0; r > 0 && i < nfds; i++) {
			int *fd = fds[i].fd == po[0] ? &po[0] : &pe[0];
			int d;

			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			d = fd == &po[0] ? drain(*fd, out, max_out + 1, &out_total)
					 : drain(*fd, err, ERR_KEEP, &err_total);
			if (d != 0)
				close_fd(fd);
		}
		if (out_total > max_out) {
			killed = PROC_TOO_MUCH;
			break;
		}
	}
	if (killed)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* Whatever it left running in its group goes with it. */
	kill(-pid, SIGKILL);
	atomic_store(&running_pgid, 0);
	res->elapsed_ms = (long)(strata__now_ms() - start);
	{
		int e[2];
		ssize_t n = read(ps[0], e, sizeof(e));

		if (n == (ssize_t)sizeof(e)) {
			res->end = PROC_NOT_STARTED;
			res->status = e[1];
			killed = 0;
		}
	}
	close_fd(&po[0]);
	close_fd(&pe[0]);
	close_fd(&ps[0]);
	if (killed < 0)
		return STRATA_ERROR;
	if (res->end == PROC_NOT_STARTED)
		return 0;
	if (killed) {
		res->end = (proc_end)killed;
	} else if (WIFEXITED(status)) {
		res->end = PROC_EXITED;
		res->status = WEXITSTATUS(status);
	} else {
		res->end = PROC_SIGNALED;
		res->status = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	if (out && out->len > max_out)
		strata__buf_truncate(out, max_out);
	return 0;
fail:
	close_fd(&po[0]);
	close_fd(&po[1]);
	close_fd(&pe[0]);
	close_fd(&pe[1]);
	close_fd(&ps[0]);
	close_fd(&ps[1]);
	return STRATA_ERROR;
}
