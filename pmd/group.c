/* group: the processes of a process group, from /proc/PID/stat (see group.h). */
#include "group.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pid's process group, when it has not exited (not a zombie); -1 otherwise or when it cannot be read. */
static pid_t group_of_live(const char *pid)
{
	char path[64], line[512], state;
	const char *after;
	int pgrp, ppid;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[n] = '\0';
	/* The command name, in parentheses, may hold anything: the fields come after its last ')'. */
	after = strrchr(line, ')');
	if (!after || sscanf(after + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
		return -1;
	return state == 'Z' || state == 'X' ? -1 : pgrp;
}

int group_members_find(pid_t pgid, struct group_members *members)
{
	size_t room = 0;
	struct dirent *d;
	DIR *proc;

	group_members_free(members);
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((d = readdir(proc))) {
		pid_t *more;

		if (d->d_name[0] < '1' || d->d_name[0] > '9' || group_of_live(d->d_name) != pgid)
			continue;
		if (members->n == room) {
			room = room ? 2 * room : 16;
			more = realloc(members->pids, room * sizeof(*more));
			if (!more) {
				closedir(proc);
				return -1;
			}
			members->pids = more;
		}
		members->pids[members->n++] = (pid_t)atoi(d->d_name);
	}
	closedir(proc);
	return 0;
}

int group_members_has(const struct group_members *members, pid_t pid)
{
	size_t i;

	for (i = 0; i < members->n; i++)
		if (members->pids[i] == pid)
			return 1;
	return 0;
}

void group_members_free(struct group_members *members)
{
	free(members->pids);
	members->pids = NULL;
	members->n = 0;
}
