/*
 * children: the processes a run's program forked (and their forks). pmm.ko monitors each from the
 * moment its hook maps a record ring, so after a run every monitor but the program's own is one of
 * its descendants: pmd runs one program at a time and stops every monitor it collects.
 */
#ifndef PMD_CHILDREN_H
#define PMD_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

#include "group.h"
#include "monitor.h"

struct child_collection {
	pid_t pid;
	struct monitor_collection mon;
	int ended_by_run;	/* still running at the run's end: pmd sent it SIGKILL */
};

/*
 * Ends each descendant still alive (none may outlive the run), waits until it has exited, so that
 * the module has applied its last records, then collects and stops its monitor and hands it to each,
 * one at a time (it is freed after: a run of many leaking processes never has all of them in pmd's
 * memory at once). A non-zero return from each stops there, with its err. *count: how many it got.
 * ended: the processes pmd ended with the program's group (run.h), which were running at its end too.
 */
int children_each(int fd, pid_t leader, const struct group_members *ended,
		  int (*each)(const struct child_collection *child, void *arg, char *err, size_t errlen),
		  void *arg, size_t *count, char *err, size_t errlen);

#endif
