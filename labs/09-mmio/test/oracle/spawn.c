// spawn.c: start the program under test on two pipes and wait for it
#define _GNU_SOURCE     // pipe2
// (see spawn.h). The host C library only: no kit header here.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "spawn.h"

static pid_t child = -1;

int spawn_start(char *const argv[], int *to, int *from)
{
	int in[2], out[2];
	signal(SIGPIPE, SIG_IGN);       // a program that died: EPIPE, not death
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || null < 0 || dup2(null, 2) < 0)
			_exit(126);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = out[0];
	return 0;
}

int spawn_write(int fd, const void *buf, unsigned long n)
{
	const char *p = buf;
	while (n) {
		ssize_t put = write(fd, p, n);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		p += put, n -= put;
	}
	return 0;
}

int spawn_read(int fd, void *buf, unsigned long n)
{
	char *p = buf;
	while (n) {
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got, n -= got;
	}
	return 0;
}

int spawn_finish(int to, int from, char *why, unsigned long n)
{
	int status = 0;
	close(to);
	close(from);
	why[0] = 0;
	if (child <= 0)
		return snprintf(why, n, "it could not be started"), -1;
	// Its input is closed: it must end now. Give it two seconds.
	for (int tick = 0; waitpid(child, &status, WNOHANG) == 0; tick++) {
		if (tick == 200) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			snprintf(why, n, "it did not end when its input did (killed)");
			return -1;
		}
		usleep(10000);
	}
	if (WIFSIGNALED(status))
		snprintf(why, n, "it was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= 128 + 1)
		snprintf(why, n, "it ended with status %d (signal %d, %s?)", WEXITSTATUS(status),
			 WEXITSTATUS(status) - 128, strsignal(WEXITSTATUS(status) - 128));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		snprintf(why, n, "it ended with status %d", WEXITSTATUS(status));
	return why[0] ? -1 : 0;
}
