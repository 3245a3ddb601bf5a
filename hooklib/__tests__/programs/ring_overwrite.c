/*
 * ring_overwrite.c: a program with a wild write over the hook's record ring, the shared mapping it
 * finds in /proc/self/maps (/dev/pmm in the VM, <pid>.ring in host mode), as a stray memset or a buffer
 * overflow into it would make. "ones" fills it with 0xff bytes; "zeros" fills it with zeros after enough
 * records that pmm.ko has applied some (the head then goes back behind pmm.ko's tail). "entry"
 * zeroes one entry only, that of the block it has just allocated (and keeps): in the ring's first
 * lap that is how an entry looks whose writer has taken its position and not yet written it, so
 * nothing tells the write from a slow writer but time. Then it allocates and frees 100,000 blocks,
 * which need the ring drained. Before, nothing could be drained past the entry written over: the hook
 * waited for ever on it, and the run never ended but by its timeout. With a second argument "hang" it
 * then waits for ever, for a run that times out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/include/uapi/pmm.h"

void *volatile sink;

/* The ring's mapping: start and length, from the line naming it. */
static int find_ring(char **start, size_t *len)
{
	char line[4096];
	FILE *maps = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!maps)
		return 0;
	while (!found && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;

		if ((strstr(line, " /dev/pmm") || strstr(line, ".ring\n")) &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			*start = (char *)lo;
			*len = hi - lo;
			found = 1;
		}
	}
	fclose(maps);
	return found;
}

static void churn(int n)
{
	for (int i = 0; i < n; i++) {
		sink = malloc(24);
		free(sink);
	}
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	char *ring;
	size_t len;

	if (strcmp(how, "ones") && strcmp(how, "zeros") && strcmp(how, "entry")) {
		fprintf(stderr, "usage: ring_overwrite ones|zeros|entry\n");
		return 2;
	}
	if (!find_ring(&ring, &len)) {
		printf("ring_overwrite: no ring\n");
		return 0;
	}
	if (strcmp(how, "entry") == 0) {
		struct pmm_ring_header *hdr = (struct pmm_ring_header *)ring;
		struct pmm_ring_entry *entries = (struct pmm_ring_entry *)(ring + PMM_RING_HEADER_BYTES);

		sink = malloc(1000);
		memset(&entries[(hdr->head - 1) % PMM_RING_ENTRIES], 0, sizeof(entries[0]));
	} else {
		if (strcmp(how, "zeros") == 0)
			churn(50000);
		memset(ring, strcmp(how, "ones") == 0 ? 0xff : 0, len);
	}
	churn(100000);
	printf("ring_overwrite: done\n");
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "hang") == 0)
		for (;;)
			pause();
	return 0;
}
