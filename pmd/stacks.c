#include "stacks.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *stacks_alloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("pmd: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* FNV-1a over the record's frames, as many as it has. */
static uint64_t stacks_hash(const struct pmm_record *r)
{
	const unsigned char *p = (const unsigned char *)r->frames;
	size_t len = (r->nframes < PMM_MAX_FRAMES ? r->nframes : PMM_MAX_FRAMES) * sizeof(r->frames[0]);
	uint64_t h = 14695981039346656037ULL ^ r->nframes;

	while (len--) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int stacks_same(const struct pmm_record *a, const struct pmm_record *b)
{
	__u32 n = a->nframes < PMM_MAX_FRAMES ? a->nframes : PMM_MAX_FRAMES;

	return a->nframes == b->nframes && memcmp(a->frames, b->frames, n * sizeof(a->frames[0])) == 0;
}

void stacks_number(const struct pmm_record *records, size_t n, struct stacks *s)
{
	/* Open addressing, at most half full: slot holds a stack's number + 1, 0 when free. */
	size_t nslots = 16, i;
	size_t *slots;

	while (nslots < 2 * n)
		nslots *= 2;
	slots = stacks_alloc(nslots, sizeof(*slots));
	s->of = stacks_alloc(n, sizeof(*s->of));
	s->first = stacks_alloc(n, sizeof(*s->first));
	s->count = 0;
	for (i = 0; i < n; i++) {
		size_t at = (size_t)stacks_hash(&records[i]) & (nslots - 1);

		while (slots[at] && !stacks_same(&records[s->first[slots[at] - 1]], &records[i]))
			at = (at + 1) & (nslots - 1);
		if (!slots[at]) {
			s->first[s->count] = i;
			slots[at] = ++s->count;
		}
		s->of[i] = slots[at] - 1;
	}
	free(slots);
}

void stacks_free(struct stacks *s)
{
	free(s->of);
	free(s->first);
	memset(s, 0, sizeof(*s));
}
