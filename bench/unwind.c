/*
 * unwind.c: what one stack costs the hook's default capture, pmm_unwind() (cached CFI rules), beside
 * a frame-pointer walk like PMM_STACK_UNWIND=fp's: a thread takes its own stack ITERATIONS times,
 * DEPTH frames below its start function, and prints the time per stack. Both captures are called
 * the way pmm_record.c calls them (one call from a function that keeps its frame pointer). `none`
 * only goes DEPTH frames down and back, to subtract from the others. Under TCG:
 * `node dist/cli/pmm.js exec -- /tmp/unwind cached 1000000 10` (the guest sees this machine's files).
 *
 *	gcc -O2 -g -fno-omit-frame-pointer -pthread -I hooklib -I kernel/include \
 *		-o /tmp/unwind bench/unwind.c hooklib/pmm_unwind.c -ldl
 *	unwind cached|fp|none ITERATIONS DEPTH
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pmm_internal.h"

#define MAX_FRAMES	16

enum mode { MODE_NONE, MODE_CACHED, MODE_FP };

static enum mode mode;
static long iterations;
static int depth;
static uintptr_t stack_lo, stack_hi;

static __attribute__((noinline)) int capture_cached(__u64 *frames)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

	return pmm_unwind(((uintptr_t *)fp)[1], fp + 2 * sizeof(uintptr_t), ((uintptr_t *)fp)[0],
			  stack_lo, stack_hi, frames, MAX_FRAMES);
}

static __attribute__((noinline)) int capture_fp(__u64 *frames)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	int n = 0;

	while (n < MAX_FRAMES && fp >= stack_lo && fp + 2 * sizeof(uintptr_t) <= stack_hi && !(fp & 7)) {
		uintptr_t next = ((uintptr_t *)fp)[0];
		uintptr_t ret = ((uintptr_t *)fp)[1];

		if (!ret)
			break;
		frames[n++] = ret;
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

/* d frames more, then one capture; the empty asm keeps the call from becoming a jump. */
static __attribute__((noinline)) int descend(int d, __u64 *frames)
{
	int n;

	if (d > 0) {
		n = descend(d - 1, frames);
		__asm__ volatile("" ::: "memory");
		return n;
	}
	if (mode == MODE_CACHED)
		return capture_cached(frames);
	return mode == MODE_FP ? capture_fp(frames) : 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *run(void *arg)
{
	pthread_attr_t attr;
	__u64 frames[MAX_FRAMES];
	void *addr;
	size_t size;
	double start;
	int n;

	(void)arg;
	if (pthread_getattr_np(pthread_self(), &attr) || pthread_attr_getstack(&attr, &addr, &size))
		exit(1);
	stack_lo = (uintptr_t)addr;
	stack_hi = stack_lo + size;
	/* The first stack works the rules out; the loop then finds them cached. */
	n = descend(depth, frames);
	if (n < 0) {
		fprintf(stderr, "pmm_unwind() gives this stack up to backtrace()\n");
		exit(1);
	}
	start = now_ns();
	for (long i = 0; i < iterations; i++)
		descend(depth, frames);
	printf("%s, %d frames: %.1f ns per stack\n",
	       mode == MODE_CACHED ? "cached" : mode == MODE_FP ? "fp" : "none", n,
	       (now_ns() - start) / iterations);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;

	if (argc != 4 || (iterations = atol(argv[2])) <= 0 || (depth = atoi(argv[3])) < 0) {
		fprintf(stderr, "usage: unwind cached|fp|none ITERATIONS DEPTH\n");
		return 2;
	}
	mode = strcmp(argv[1], "cached") == 0 ? MODE_CACHED : strcmp(argv[1], "fp") == 0 ? MODE_FP : MODE_NONE;
	pmm_unwind_prepare();
	if (pthread_create(&thread, NULL, run, NULL))
		return 1;
	pthread_join(thread, NULL);
	return 0;
}
