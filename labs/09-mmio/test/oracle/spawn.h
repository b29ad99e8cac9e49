// spawn.h: the oracle's side of the pipes to the program under test
// (spawn.c, which uses the host C library; this header uses plain C types
// so that kit code can include it).
#ifndef SPAWN_H
#define SPAWN_H

// Start argv[0] with its stdin and stdout on two pipes; stderr goes to
// /dev/null. Returns 0 (and *to, *from: the pipe ends) or -1.
int spawn_start(char *const argv[], int *to, int *from);
// Write / read exactly n bytes: 0, or -1 when the program is gone.
int spawn_write(int fd, const void *buf, unsigned long n);
int spawn_read(int fd, void *buf, unsigned long n);
// Close both ends, wait for the program, describe how it ended in why
// ("" for exit status 0). Returns 0 when it exited with status 0.
int spawn_finish(int to, int from, char *why, unsigned long n);

#endif
