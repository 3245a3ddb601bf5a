/*
 * children: the processes a run's program forked (and their forks). pmm.ko monitors each from the
 * moment its hook maps a record ring, so after a run every monitor but the program's own is one of
 * its descendants: pmd runs one program at a time and stops every monitor it collects.
 */
#ifndef PMD_CHILDREN_H
#define PMD_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

#include "monitor.h"

struct child_collection {
	pid_t pid;
	struct monitor_collection mon;
};

/*
 * Ends each descendant still alive (none may outlive the run), waits until it has exited, so that
 * the module has applied its last records, then collects and stops its monitor. Fills a malloc'd
 * array the caller frees with children_free.
 */
int children_collect(int fd, pid_t leader, struct child_collection **children, size_t *count,
		     char *err, size_t errlen);
void children_free(struct child_collection *children, size_t count);

#endif
