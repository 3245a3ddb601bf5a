/*
 * group: the processes of a process group, found in /proc, for the moment pmd ends what is left of a run's
 * group: those it ends then were still running at the program's end, and the run says pmm ended them.
 */
#ifndef PMD_GROUP_H
#define PMD_GROUP_H

#include <stddef.h>
#include <sys/types.h>

struct group_members {
	pid_t *pids;
	size_t n;
};

/* The processes of group pgid that have not exited, into *members (emptied first); 0, or -1 on ENOMEM. */
int group_members_find(pid_t pgid, struct group_members *members);

int group_members_has(const struct group_members *members, pid_t pid);

void group_members_free(struct group_members *members);

#endif
