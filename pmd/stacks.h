/*
 * stacks: the distinct stacks of a process's unmatched records. A program that leaked a million blocks
 * from one loop has a million records and a handful of stacks: each stack is sent once, and each record
 * names its own by number, so the answer is a fraction of the size, and the host holds one array a stack.
 */
#ifndef PMD_STACKS_H
#define PMD_STACKS_H

#include <stddef.h>

#include <uapi/pmm.h>

struct stacks {
	size_t *of;		/* of[i]: the number of record i's stack */
	size_t *first;		/* first[k]: the record whose stack is stack k, the first to have it */
	size_t count;		/* distinct stacks, numbered in the order records first have them */
};

/* Numbers the stacks of records[0..n); aborts when memory runs out, as buf does. */
void stacks_number(const struct pmm_record *records, size_t n, struct stacks *s);
void stacks_free(struct stacks *s);

#endif
