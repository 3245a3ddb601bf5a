// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: the stack store. A program allocates from few call sites, so each
 * distinct stack is kept once, refcounted, and records refer to it by id:
 * a million outstanding blocks then cost a million small entries, not a
 * million copies of sixteen frames.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "pmm_internal.h"

/*
 * Buckets of the frames-to-stack hash. Fixed: distinct stacks are few next
 * to records, and their number is bounded by the records that use them.
 */
#define PMM_STACK_HASH_BITS	14

/*
 * A distinct stack. Guarded by pmm_lock, like everything else; refs counts
 * the entries (of any monitor) that refer to it.
 */
struct pmm_stack {
	struct hlist_node hnode;	/* in pmm_stack_table */
	u32 id;				/* in pmm_stack_ids; never 0 */
	u32 refs;
	u32 hash;
	u32 nframes;
	u64 frames[PMM_MAX_FRAMES];
};

static struct kmem_cache *pmm_stack_cache;
static struct hlist_head *pmm_stack_table;
/* Id 0 is left out: it means "no frames" and needs no stack. */
static DEFINE_XARRAY_ALLOC1(pmm_stack_ids);
u64 pmm_nr_stacks;

static u32 pmm_stack_hash(const u64 *frames, u32 nframes)
{
	/* jhash2 hashes u32 words: two per frame. */
	return jhash2((const u32 *)frames, nframes * 2, nframes);
}

/* Takes a reference on the stack with these frames, storing it if new. */
int pmm_stack_get(const u64 *frames, u32 nframes, u32 *id)
{
	struct pmm_stack *stack;
	struct hlist_head *head;
	u32 hash;
	int ret;

	lockdep_assert_held(&pmm_lock);

	if (!nframes) {
		*id = 0;
		return 0;
	}
	hash = pmm_stack_hash(frames, nframes);
	head = &pmm_stack_table[hash_32(hash, PMM_STACK_HASH_BITS)];
	hlist_for_each_entry(stack, head, hnode) {
		if (stack->hash == hash && stack->nframes == nframes &&
		    !memcmp(stack->frames, frames, nframes * sizeof(*frames))) {
			stack->refs++;
			*id = stack->id;
			return 0;
		}
	}

	stack = kmem_cache_zalloc(pmm_stack_cache, GFP_KERNEL_ACCOUNT);
	if (!stack)
		return -ENOMEM;
	ret = xa_alloc(&pmm_stack_ids, &stack->id, stack, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		kmem_cache_free(pmm_stack_cache, stack);
		return ret;
	}
	stack->refs = 1;
	stack->hash = hash;
	stack->nframes = nframes;
	memcpy(stack->frames, frames, nframes * sizeof(*frames));
	hlist_add_head(&stack->hnode, head);
	pmm_nr_stacks++;
	*id = stack->id;
	return 0;
}

void pmm_stack_put(u32 id)
{
	struct pmm_stack *stack;

	lockdep_assert_held(&pmm_lock);

	if (!id)
		return;
	stack = xa_load(&pmm_stack_ids, id);
	if (WARN_ON_ONCE(!stack || !stack->refs))
		return;
	if (--stack->refs)
		return;
	hlist_del(&stack->hnode);
	xa_erase(&pmm_stack_ids, id);
	pmm_nr_stacks--;
	kmem_cache_free(pmm_stack_cache, stack);
}

/*
 * Fills frames (PMM_MAX_FRAMES of them) and nframes from stack id; unused
 * frames are zero.
 */
void pmm_stack_frames(u32 id, u64 *frames, u32 *nframes)
{
	struct pmm_stack *stack;

	lockdep_assert_held(&pmm_lock);

	memset(frames, 0, PMM_MAX_FRAMES * sizeof(*frames));
	*nframes = 0;
	stack = id ? xa_load(&pmm_stack_ids, id) : NULL;
	if (!stack)
		return;
	*nframes = stack->nframes;
	memcpy(frames, stack->frames, stack->nframes * sizeof(*frames));
}

/* Fills rec's frames and nframes from stack id; unused frames are zero. */
void pmm_stack_fill(u32 id, struct pmm_record *rec)
{
	pmm_stack_frames(id, rec->frames, &rec->nframes);
}

int pmm_stacks_init(void)
{
	pmm_stack_table = kvcalloc(1U << PMM_STACK_HASH_BITS,
				   sizeof(*pmm_stack_table), GFP_KERNEL);
	if (!pmm_stack_table)
		return -ENOMEM;
	pmm_stack_cache = KMEM_CACHE(pmm_stack, 0);
	if (!pmm_stack_cache) {
		kvfree(pmm_stack_table);
		return -ENOMEM;
	}
	return 0;
}

/* After every monitor is gone, so every stack has been put. */
void pmm_stacks_exit(void)
{
	WARN_ON(!xa_empty(&pmm_stack_ids));
	xa_destroy(&pmm_stack_ids);
	kmem_cache_destroy(pmm_stack_cache);
	kvfree(pmm_stack_table);
}
