// SPDX-License-Identifier: GPL-2.0
/*
 * pmm: mismatched releases. A block released by a call of another family
 * than the one that allocated it (a new[] block by delete, a malloc block
 * by delete, a new block by free) is released all the same, as valgrind
 * does, and kept here for the process with both stacks.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "pmm_internal.h"

/*
 * Called while entry, the allocation rec releases, is still in the store;
 * the caller removes it next. Keeping the first PMM_MAX_MISMATCHES, rather
 * than the last, keeps a reader's cursor valid whatever happens after.
 */
void pmm_mismatch_add(struct pmm_monitor *mon, struct pmm_entry *entry,
		      const struct pmm_record *rec)
{
	struct pmm_mismatch_entry *m;

	lockdep_assert_held(&pmm_lock);

	mon->mismatched_frees++;
	if (mon->nr_mismatches >= PMM_MAX_MISMATCHES)
		return;
	/* Out of memory, it is counted without being kept. */
	if (!mon->mismatches) {
		mon->mismatches = kvcalloc(PMM_MAX_MISMATCHES,
					   sizeof(*mon->mismatches),
					   GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!mon->mismatches)
			return;
	}
	m = &mon->mismatches[mon->nr_mismatches];
	/* Only nframes count, as for an allocation's record. */
	if (pmm_stack_get(rec->frames, rec->nframes, &m->release_stack_id))
		return;
	m->ptr = entry->ptr;
	m->size = entry->size;
	m->alloc_kind = entry->kind;
	m->release_kind = rec->kind;
	/* The entry goes next: its reference on the stack becomes ours. */
	m->alloc_stack_id = entry->stack_id;
	entry->stack_id = 0;
	mon->nr_mismatches++;
}

/*
 * Copies up to max mismatches from number *cursor on, in the order they
 * happened, and moves the cursor past the last one.
 */
unsigned int pmm_mismatch_read(struct pmm_monitor *mon, u64 *cursor,
			       struct pmm_mismatch *out, unsigned int max)
{
	unsigned int n = 0;
	u64 i;

	lockdep_assert_held(&pmm_lock);

	for (i = *cursor; i < mon->nr_mismatches && n < max; i++, n++) {
		const struct pmm_mismatch_entry *m = &mon->mismatches[i];
		struct pmm_mismatch *o = &out[n];

		memset(o, 0, sizeof(*o));
		o->alloc_kind = m->alloc_kind;
		o->release_kind = m->release_kind;
		o->ptr = m->ptr;
		o->size = m->size;
		pmm_stack_frames(m->alloc_stack_id, o->alloc_frames,
				 &o->alloc_nframes);
		pmm_stack_frames(m->release_stack_id, o->release_frames,
				 &o->release_nframes);
	}
	*cursor = i;
	return n;
}

/*
 * The process is leaving its image (exec()): the mismatches kept since the
 * last image it left have stacks of this one, whose object map the next
 * image's replaces. A copy of the current one is kept for them, read back
 * with PMM_READ_MAPS's image. At most one copy per image that made a
 * mismatch, so at most PMM_MAX_MISMATCHES. Without memory, those stacks
 * are read with a later map, as before there were copies.
 */
void pmm_mismatches_seal_image(struct pmm_monitor *mon)
{
	u32 before = mon->nr_images ?
		     mon->images[mon->nr_images - 1].mismatches_before : 0;
	struct pmm_image_maps *images;
	char *text;

	lockdep_assert_held(&pmm_lock);

	if (mon->nr_mismatches == before || !mon->maps_len)
		return;
	images = krealloc_array(mon->images, mon->nr_images + 1,
				sizeof(*images), GFP_KERNEL_ACCOUNT);
	if (!images)
		return;
	mon->images = images;
	text = kvmalloc(mon->maps_len, GFP_KERNEL_ACCOUNT);
	if (!text)
		return;
	memcpy(text, mon->maps, mon->maps_len);
	images[mon->nr_images].maps = text;
	images[mon->nr_images].maps_len = mon->maps_len;
	images[mon->nr_images].mismatches_before = mon->nr_mismatches;
	mon->nr_images++;
}

void pmm_mismatches_free(struct pmm_monitor *mon)
{
	u32 i;

	lockdep_assert_held(&pmm_lock);

	for (i = 0; i < mon->nr_mismatches; i++) {
		pmm_stack_put(mon->mismatches[i].alloc_stack_id);
		pmm_stack_put(mon->mismatches[i].release_stack_id);
	}
	kvfree(mon->mismatches);
	mon->mismatches = NULL;
	mon->nr_mismatches = 0;
	for (i = 0; i < mon->nr_images; i++)
		kvfree(mon->images[i].maps);
	kfree(mon->images);
	mon->images = NULL;
	mon->nr_images = 0;
}
