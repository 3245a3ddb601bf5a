/*
 * init: pmd as the guest's pid 1, which reaps the orphans handed to it, ends what a run left running, and
 * powers the guest off at its end.
 */
#ifndef PMD_INIT_H
#define PMD_INIT_H

#include <sys/types.h>

/* How long pmd waits for the processes a run left to end, after it has killed them. */
#define INIT_LEFTOVER_WAIT_MS 2000

/* Whether pmd is pid 1: the guest's init, started by exec from the initramfs's script. */
int init_is_pid1(void);

/*
 * As pid 1, before the chroot: a root of pmd's own, the guest powered off on a fault of pmd's, and SIGCHLD
 * taken through a descriptor. 0, or -1 with err.
 */
int init_start(char *err, size_t errlen);

/* Readable when a child of pmd's has exited: a run's wait polls it. -1 when pmd is not pid 1. */
int init_child_exits_fd(void);

/* Reaps the exited processes the kernel made pmd's, but never leader, whose status a run still wants. */
void init_reap_orphans(pid_t leader);

/*
 * After a run has been collected, before its answer: ends every process left in the guest but pmd, and
 * reaps them, waiting up to INIT_LEFTOVER_WAIT_MS for them to go.
 */
void init_end_leftovers(void);

/* The end of pid 1, which must not exit: the console is told status, and the guest powers off. */
void init_power_off(int status) __attribute__((noreturn));

#endif
