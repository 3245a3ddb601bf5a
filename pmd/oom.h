/*
 * oom: how many processes the guest's out-of-memory killer has ended, from /proc/vmstat's oom_kill.
 * A program it ends dies of SIGKILL like one a user killed; the count before and after a run tells
 * them apart. The file is opened before pmd chroots into the host's root, so that the count does not
 * depend on the guest's init having mounted a /proc there too.
 */
#ifndef PMD_OOM_H
#define PMD_OOM_H

/* /proc/vmstat, kept open for oom_kills; -1 without it. */
int oom_open(void);

/* The count so far, -1 when it cannot be read (no fd, no oom_kill line: a kernel before 4.13). */
long long oom_kills(int fd);

#endif
