// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk loads for pmm.ko, run in the VM by kernel/__tests__/kernel.vm.test.ts:
 *   pmm_bulk hold N SITES   N outstanding records from SITES stacks, then
 *                           checks the counts and reads every one back.
 *   pmm_bulk leave N        N records and N mismatched releases (new, then
 *                           free) left behind at exit, for rmmod to free.
 *   pmm_bulk grow N         mallocs and touches 1 MiB every 60 ms, N times,
 *                           then frees it all: RSS grows, no leak is left.
 *   pmm_bulk exits N        starts /bin/true N times, one after another,
 *                           and prints how many task_structs and 2 KiB
 *                           blocks the kernel holds before and after, once
 *                           /proc/pmm/pid is read (which looks at every
 *                           monitor again).
 * Records go through PMM_RECORD_LOG directly: under TCG a million real
 * mallocs through the hook would take minutes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uapi/pmm.h"

static int pmm_fd;

static unsigned long mem_available_kib(void)
{
	unsigned long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void die(const char *what)
{
	fprintf(stderr, "pmm_bulk: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void set_config(__u32 op, pid_t pid)
{
	struct pmm_set_config sc = { .op = op, .pid = pid };

	if (ioctl(pmm_fd, PMM_SET_CONFIG, &sc))
		die("PMM_SET_CONFIG");
}

/* Block i comes from site i % sites; its stack is three frames deep. */
static void make_rec(struct pmm_record *rec, unsigned long i,
		     unsigned long sites)
{
	memset(rec, 0, sizeof(*rec));
	rec->kind = PMM_KIND_MALLOC;
	rec->ptr = 0x10000000ull + 16 * i;
	rec->size = 16 + i % 7;
	rec->time_ns = 1;
	rec->nframes = 3;
	rec->frames[0] = 0x401000 + i % sites;
	rec->frames[1] = 0x402000;
	rec->frames[2] = 0x403000;
}

static void record(unsigned long n, unsigned long sites)
{
	static struct pmm_record batch[PMM_MAX_BATCH];
	struct pmm_record_log rl = { .records = (__u64)(unsigned long)batch };
	unsigned long i = 0, k;

	while (i < n) {
		for (k = 0; k < PMM_MAX_BATCH && i < n; k++, i++)
			make_rec(&batch[k], i, sites);
		rl.count = k;
		if (ioctl(pmm_fd, PMM_RECORD_LOG, &rl))
			die("PMM_RECORD_LOG");
	}
}

/* N blocks new'd and free()d: mismatches, which pmm.ko keeps with stacks. */
static void mismatch(unsigned long n)
{
	struct pmm_record_log rl = { .count = 2 };
	struct pmm_record pair[2];
	unsigned long i;

	rl.records = (__u64)(unsigned long)pair;
	for (i = 0; i < n; i++) {
		make_rec(&pair[0], i, 3);
		pair[0].kind = PMM_KIND_NEW;
		pair[0].ptr = 0x20000000ull + 16 * i;
		make_rec(&pair[1], i, 3);
		pair[1].kind = PMM_KIND_FREE;
		pair[1].ptr = pair[0].ptr;
		pair[1].frames[1] = 0x404000;
		if (ioctl(pmm_fd, PMM_RECORD_LOG, &rl))
			die("PMM_RECORD_LOG");
	}
}

static int hold(unsigned long n, unsigned long sites)
{
	static struct pmm_record page[PMM_MAX_BATCH];
	unsigned long before = mem_available_kib(), after, i = 0, bytes = 0;
	struct pmm_read_logs rl = { .pid = getpid(), .max = PMM_MAX_BATCH };
	struct pmm_record want;
	struct pmm_stats st;
	unsigned long bad = 0;
	unsigned int k;

	set_config(PMM_CFG_START_PID, getpid());
	record(n, sites);
	after = mem_available_kib();
	if (ioctl(pmm_fd, PMM_GET_STATS, &st))
		die("PMM_GET_STATS");

	/* Every record back, in order, with its own stack and size. */
	rl.records = (__u64)(unsigned long)page;
	for (;;) {
		if (ioctl(pmm_fd, PMM_READ_LOGS, &rl))
			die("PMM_READ_LOGS");
		if (!rl.count)
			break;
		for (k = 0; k < rl.count; k++, i++) {
			make_rec(&want, i, sites);
			bad += memcmp(&want, &page[k], sizeof(want)) != 0;
			bytes += page[k].size;
		}
	}
	printf("records %llu read %lu bad %lu bytes %lu stacks %llu dropped %llu kernel_kib %lu\n",
	       (unsigned long long)st.total_records, i, bad, bytes,
	       (unsigned long long)st.nr_stacks,
	       (unsigned long long)st.total_dropped,
	       before > after ? before - after : 0);
	set_config(PMM_CFG_STOP_PID, getpid());
	printf("after STOP_PID: %lu KiB more available than while held\n",
	       mem_available_kib() - after);
	return 0;
}

static int grow(unsigned long n)
{
	char **blocks = calloc(n, sizeof(*blocks));
	unsigned long i;

	for (i = 0; i < n; i++) {
		blocks[i] = malloc(1 << 20);
		memset(blocks[i], (int)i + 1, 1 << 20);
		usleep(60000);
	}
	for (i = 0; i < n; i++)
		free(blocks[i]);
	free(blocks);
	return 0;
}

/* Active objects of a slab cache, from /proc/slabinfo. */
static long slab_objects(const char *cache)
{
	char line[512], name[64];
	long active = -1, n;
	FILE *f = fopen("/proc/slabinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &n) == 2 && !strcmp(name, cache))
			active = n;
	if (f)
		fclose(f);
	return active;
}

/* Under the hook, which makes each child a monitored process of the run. */
static int exits(unsigned long n)
{
	static char *const argv[] = { "/bin/true", NULL };
	/* A process's task_struct; a monitor's index by address (2 KiB at the least). */
	long tasks = slab_objects("task_struct"), indexes = slab_objects("kmalloc-cg-2k");
	unsigned long i;
	char buf[4096];
	pid_t pid;
	int status;
	FILE *f;

	for (i = 0; i < n; i++) {
		errno = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
		if (errno)
			die("posix_spawn /bin/true");
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (status != 0) {
			fprintf(stderr, "pmm_bulk: /bin/true ended with wait status %d\n", status);
			return 2;
		}
	}
	f = fopen("/proc/pmm/pid", "r");
	if (!f)
		die("open /proc/pmm/pid");
	while (fread(buf, 1, sizeof(buf), f) > 0)
		;
	fclose(f);
	printf("task_struct %ld %ld\n", tasks, slab_objects("task_struct"));
	printf("kmalloc-cg-2k %ld %ld\n", indexes, slab_objects("kmalloc-cg-2k"));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;

	/* Under the hook, which does its own recording. */
	if (argc == 3 && !strcmp(argv[1], "grow"))
		return grow(n);
	if (argc == 3 && !strcmp(argv[1], "exits"))
		return exits(n);
	pmm_fd = open(PMM_DEVICE_PATH, O_RDWR);
	if (pmm_fd < 0)
		die("open " PMM_DEVICE_PATH);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return hold(n, strtoul(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "leave")) {
		set_config(PMM_CFG_START_PID, getpid());
		record(n, 3);
		mismatch(n);
		printf("%d\n", getpid());
		return 0;
	}
	fprintf(stderr, "usage: pmm_bulk hold N SITES | leave N | grow N | exits N\n");
	return 2;
}
