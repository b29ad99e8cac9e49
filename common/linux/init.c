/*
 * rvh-init: the one program of the kit's Linux guest (`make linux`).
 *
 * The kernel runs it as PID 1 from its built-in initramfs, with
 * /dev/console as stdin, stdout and stderr. It mounts /proc and /sys, prints
 * one banner line, then reads commands from the console: a shell with a few
 * built-ins and no other programs (there are none in the initramfs).
 *
 * PID 1 must never return from main(): when init exits, the kernel panics
 * ("Attempted to kill init!"). Every error is printed and the shell goes on;
 * the way out is `poweroff` (or end of input on the console), which asks the
 * kernel to power the machine off, and the kernel asks the SBI (SRST).
 *
 * Run by hand on a host (not PID 1) it mounts nothing and, instead of
 * powering the machine off, exits: that is how grader/tests/test_linux.py
 * tests the shell in milliseconds, without a kernel.
 *
 * Output formats that tests read (grader/tests/test_linux.py, lab 10):
 *   banner   rvh-init: Linux 6.1.192, 4 cpu(s) online: 0-3
 *   prompt   "# " (no newline)
 *   uptime   uptime: 1.234 s          (CLOCK_MONOTONIC, milliseconds)
 *   error    rvh-init: frob: unknown command (try help)
 * Change them together.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 256
#define MAX_ARGS 16
#define LS_WIDTH 78             /* wrap `ls` output before a 80-column terminal does */

static int is_pid1;

static void say_errno(const char *what, const char *arg)
{
	printf("%s: %s: %s\n", what, arg, strerror(errno));
}

/* ---- start-up ---------------------------------------------------------- */

static void mount_one(const char *type, const char *dir)
{
	if (mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		printf("rvh-init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

/*
 * Reads a cpu list such as "0-3" or "0,2-3" (the kernel's format for
 * /sys/devices/system/cpu/online) into buf; returns how many cpus it names,
 * or -1 when it cannot be read.
 */
static int cpus_online(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	if (!f)
		return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';

	int count = 0;
	for (char *p = buf; *p;) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p)
			return -1;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		count += (int)(hi - lo + 1);
		p = (*end == ',') ? end + 1 : end;
	}
	return count;
}

static void banner(void)
{
	struct utsname u;
	char cpus[128];
	int n = cpus_online(cpus, sizeof cpus);

	if (uname(&u) != 0)
		strcpy(u.release, "?");
	if (n < 0)
		printf("rvh-init: Linux %s, cpus online: unknown (no /sys?)\n", u.release);
	else
		printf("rvh-init: Linux %s, %d cpu(s) online: %s\n", u.release, n, cpus);
}

/* ---- the built-ins ------------------------------------------------------ */

/* Each returns nothing: errors are printed, and the shell goes on. */

static void cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	putchar('\n');
}

/* Files in /proc have size 0 and are produced as they are read: read to EOF. */
static void cmd_cat(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			say_errno("cat", argv[i]);
			continue;
		}
		char buf[4096];
		ssize_t n;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		if (n < 0)
			say_errno("cat", argv[i]);
		close(fd);
	}
	if (argc < 2)
		printf("usage: cat FILE...\n");
}

static int not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Sorted names, directories marked with '/', wrapped at LS_WIDTH columns. */
static void cmd_ls(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/";
	struct dirent **names;
	int n = scandir(dir, &names, not_dot, alphasort);
	if (n < 0) {
		say_errno("ls", dir);
		return;
	}
	int col = 0;
	for (int i = 0; i < n; i++) {
		int len = (int)strlen(names[i]->d_name) + (names[i]->d_type == DT_DIR);
		if (col > 0 && col + 2 + len > LS_WIDTH) {
			putchar('\n');
			col = 0;
		}
		printf("%s%s%s", col ? "  " : "", names[i]->d_name,
		       names[i]->d_type == DT_DIR ? "/" : "");
		col += (col ? 2 : 0) + len;
		free(names[i]);
	}
	if (col)
		putchar('\n');
	free(names);
}

static void cmd_uptime(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("uptime: %lld.%03ld s\n", (long long)t.tv_sec, t.tv_nsec / 1000000);
}

/* Sleeps on CLOCK_MONOTONIC, the clock `uptime` reads, so the two agree. */
static void cmd_sleep(int argc, char **argv)
{
	char *end;
	long ms = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || *end != '\0' || ms < 0) {
		printf("usage: sleep MS (milliseconds)\n");
		return;
	}
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	int err;
	while ((err = clock_nanosleep(CLOCK_MONOTONIC, 0, &t, &t)) == EINTR)
		;
	if (err)
		printf("sleep: %s\n", strerror(err));
}

/*
 * Nothing to sync or unmount first: the root file system is the initramfs,
 * in RAM, and /proc and /sys hold no data. reboot() does not return when it
 * works. Not PID 1 (a test on a host), it must not touch the host: exit.
 */
static void cmd_poweroff(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("rvh-init: powering off\n");
	fflush(stdout);
	if (!is_pid1)
		exit(0);
	reboot(RB_POWER_OFF);
	printf("rvh-init: poweroff failed: %s\n", strerror(errno));
}

static void cmd_help(int argc, char **argv);

static const struct builtin {
	const char *name;
	const char *usage;
	void (*run)(int argc, char **argv);
} builtins[] = {
	{ "echo", "echo ARGS...    print the arguments", cmd_echo },
	{ "cat", "cat FILE...     print files (try /proc/cpuinfo, /proc/interrupts)", cmd_cat },
	{ "ls", "ls [DIR]        list a directory (default /)", cmd_ls },
	{ "uptime", "uptime          seconds since boot (CLOCK_MONOTONIC)", cmd_uptime },
	{ "sleep", "sleep MS        wait MS milliseconds", cmd_sleep },
	{ "poweroff", "poweroff        power the machine off (so does Ctrl-D)", cmd_poweroff },
	{ "help", "help            this list", cmd_help },
};

static void cmd_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		printf("  %s\n", builtins[i].usage);
}

/* ---- the shell ---------------------------------------------------------- */

static void run_line(char *line)
{
	char *argv[MAX_ARGS + 1], *save;
	int argc = 0;
	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_ARGS) {
			printf("rvh-init: more than %d words\n", MAX_ARGS);
			return;
		}
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
		if (strcmp(argv[0], builtins[i].name) == 0) {
			builtins[i].run(argc, argv);
			return;
		}
	}
	printf("rvh-init: %s: unknown command (try help)\n", argv[0]);
}

/*
 * The console is a tty in canonical mode: the kernel echoes what is typed
 * and hands over one whole line per read, so the shell only splits words.
 */
int main(void)
{
	char line[LINE_MAX_LEN];

	is_pid1 = getpid() == 1;
	if (is_pid1) {
		mount_one("proc", "/proc");
		mount_one("sysfs", "/sys");
	}
	banner();
	for (;;) {
		fputs("# ", stdout);
		fflush(stdout);
		if (!fgets(line, sizeof line, stdin)) {
			if (ferror(stdin) && errno == EINTR) {
				clearerr(stdin);
				continue;
			}
			printf("\nrvh-init: end of input on the console\n");
			cmd_poweroff(0, NULL);
			break;          /* poweroff failed: stop reading, never exit */
		}
		/* A full buffer without a newline: the rest of the line is still
		 * unread (a shorter one without a newline ended with Ctrl-D). */
		if (!strchr(line, '\n') && strlen(line) == sizeof line - 1) {
			int c;
			while ((c = getchar()) != '\n' && c != EOF)
				;
			printf("rvh-init: line longer than %d characters, ignored\n", LINE_MAX_LEN - 2);
			continue;
		}
		run_line(line);
		fflush(stdout);
	}
	for (;;)
		pause();
}
