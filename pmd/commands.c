/* commands: the seed's daemon commands for use inside the guest (config, pids, start, stop, logs). */
#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

#define COMMAND_ERR_LEN 512

static int command_open(int *fd)
{
	char err[COMMAND_ERR_LEN];

	if (monitor_open(fd, err, sizeof(err))) {
		fprintf(stderr, "pmd: %s\n", err);
		return -1;
	}
	return 0;
}

static int command_fail(int fd, const char *err)
{
	fprintf(stderr, "pmd: %s\n", err);
	close(fd);
	return 1;
}

static int command_parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	long v;

	/* Digits only: strtol alone would also take " 5" and "+5". */
	errno = 0;
	v = strtol(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || errno || *end || v <= 0 || v > 0x7fffffff) {
		fprintf(stderr, "pmd: not a pid: \"%s\"\n", arg);
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}

int command_config(void)
{
	struct pmm_get_config cfg;
	char err[COMMAND_ERR_LEN];
	int fd;

	if (command_open(&fd))
		return 1;
	if (monitor_get_config(fd, &cfg, err, sizeof(err)))
		return command_fail(fd, err);
	/* Exactly the seed's /proc/pmm/cfg (spacing and all), with the module's two counters after it. */
	printf("Configs:\n");
	printf("[\"INTERVAL\" (Scan Interval) :=%u]\n", cfg.interval_ms);
	printf("[\"SCAN\" (Scan on:1/off:0) := %u]\n", cfg.scan);
	printf("[\"START_PID\" (Start a monitor):=%d]\n", cfg.last_start_pid);
	printf("[\"STOP_PID\" (Stop a monitor) := %d]\n", cfg.last_stop_pid);
	printf("[\"MONITORED\" (Processes monitored) := %u]\n", cfg.nr_monitored);
	printf("[\"RECORDS\" (Unmatched records held) := %llu]\n",
	       (unsigned long long)cfg.total_records);
	close(fd);
	return 0;
}

int command_pids(void)
{
	struct pmm_pid_info *pids;
	char err[COMMAND_ERR_LEN];
	size_t count, i;
	int fd;

	if (command_open(&fd))
		return 1;
	if (monitor_pids(fd, &pids, &count, err, sizeof(err)))
		return command_fail(fd, err);
	for (i = 0; i < count; i++) {
		char comm[sizeof(pids[i].comm) + 1];

		/* comm comes from the kernel's task name, which need not be NUL-terminated here. */
		memcpy(comm, pids[i].comm, sizeof(pids[i].comm));
		comm[sizeof(pids[i].comm)] = '\0';
		printf("[%zu] PID: %d, Comp: %s, PPID: %d, State: %u, Log count: %llu\n", i + 1,
		       pids[i].pid, comm, pids[i].ppid, pids[i].state,
		       (unsigned long long)pids[i].log_count);
	}
	free(pids);
	close(fd);
	return 0;
}

static int command_set(const char *pid_arg, int start)
{
	char err[COMMAND_ERR_LEN];
	pid_t pid;
	int fd;

	if (command_parse_pid(pid_arg, &pid) || command_open(&fd))
		return 1;
	if ((start ? monitor_start : monitor_stop)(fd, pid, err, sizeof(err)))
		return command_fail(fd, err);
	close(fd);
	return 0;
}

int command_start(const char *pid_arg)
{
	return command_set(pid_arg, 1);
}

int command_stop(const char *pid_arg)
{
	return command_set(pid_arg, 0);
}

int command_logs(const char *pid_arg)
{
	struct pmm_record *records;
	char err[COMMAND_ERR_LEN];
	size_t count, i;
	pid_t pid;
	int fd;

	if (command_parse_pid(pid_arg, &pid) || command_open(&fd))
		return 1;
	if (monitor_read_logs(fd, pid, &records, &count, err, sizeof(err)))
		return command_fail(fd, err);
	for (i = 0; i < count; i++) {
		const struct pmm_record *r = &records[i];
		const char *kind = monitor_kind_name(r->kind);
		time_t secs = (time_t)(r->time_ns / 1000000000ULL);
		char kind_upper[16], when[16] = "??:??:??";
		struct tm tm;
		size_t k;

		snprintf(kind_upper, sizeof(kind_upper), "%s", kind ? kind : "UNKNOWN");
		for (k = 0; kind_upper[k]; k++)
			kind_upper[k] = (char)(kind_upper[k] >= 'a' && kind_upper[k] <= 'z'
					       ? kind_upper[k] - 'a' + 'A' : kind_upper[k]);
		/* UTC, as /proc/pmm/pid and pmm run write the same record's line: the three agree. */
		if (gmtime_r(&secs, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		/* The seed's line, without symbols: the host symbolizes, pmd has no debug info. */
		printf("{%s @%s} Sz: %lluB", kind_upper, when, (unsigned long long)r->size);
		if (r->kind == PMM_KIND_REALLOC)
			printf(" Prev Pointer: 0x%llx",
			       (unsigned long long)(r->prev_ptr & ~PMM_PREV_SHOWN_ONLY));
		printf(" Pointer: 0x%llx", (unsigned long long)r->ptr);
		if (r->nframes > 0)
			printf(" Caller: 0x%llx\n", (unsigned long long)r->frames[0]);
		else
			printf(" Caller: -\n");
	}
	free(records);
	close(fd);
	return 0;
}
