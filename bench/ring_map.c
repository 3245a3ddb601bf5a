/*
 * ring_map.c: what one record ring costs a process that maps it, apart from recording: opening
 * /dev/pmm, mapping the ring (pmm.ko allocates it) and touching its header, unmapping it, and the
 * release that applies it. Prints each step's mean time over ITERATIONS rings. Run in the guest,
 * which sees this machine's files:
 *
 *	gcc -O2 -I kernel/include -o /tmp/ring_map bench/ring_map.c
 *	node dist/cli/pmm.js exec -- /tmp/ring_map 50
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <uapi/pmm.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	double open_ms = 0, map_ms = 0, unmap_ms = 0, release_ms = 0;
	long n = argc == 2 ? atol(argv[1]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: ring_map ITERATIONS\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		double t0 = now_ms(), t1, t2, t3;
		int fd = open("/dev/pmm", O_RDWR | O_CLOEXEC);
		void *ring;

		if (fd < 0) {
			perror("ring_map: /dev/pmm");
			return 1;
		}
		t1 = now_ms();
		ring = mmap(NULL, PMM_RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED) {
			perror("ring_map: mmap");
			return 1;
		}
		/* The hook's first store: the header page. */
		((volatile struct pmm_ring_header *)ring)->flags = 0;
		t2 = now_ms();
		munmap(ring, PMM_RING_BYTES);
		t3 = now_ms();
		close(fd);
		open_ms += t1 - t0;
		map_ms += t2 - t1;
		unmap_ms += t3 - t2;
		release_ms += now_ms() - t3;
	}
	printf("per ring, ms: open %.2f, map %.2f, unmap %.2f, release %.2f, in all %.2f\n", open_ms / n,
	       map_ms / n, unmap_ms / n, release_ms / n, (open_ms + map_ms + unmap_ms + release_ms) / n);
	return 0;
}
