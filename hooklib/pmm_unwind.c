/*
 * pmm_unwind.c: the default stack capture, exact like the CFI unwinder and about as cheap as a
 * frame-pointer walk.
 *
 * libgcc's unwinder (which glibc's backtrace() uses) is exact through code without frame pointers,
 * but for every frame it looks the FDE up (dl_iterate_phdr under the loader's lock) and interprets its CFA program:
 * about 100x a malloc under TCG. A frame-pointer walk is a few loads per frame, but a function
 * without a frame pointer (much of libc, e.g. strdup, or any program built with -O2 on Debian) hides
 * its caller. Here each return address's unwind rule (where the CFA is, where the caller's rbp and
 * return address were saved) is worked out once from the same .eh_frame data libgcc uses and cached,
 * so a frame costs one load from the cache, one bounds check and two loads from the stack, whether
 * the code keeps frame pointers or not. Whatever this small interpreter does not handle (signal
 * frames, DWARF expressions, DRAP realignment, code without an FDE, a read outside the thread's
 * stack) makes the caller use libgcc's unwinder for that record: never a wrong stack, only a slower one.
 *
 * x86-64 only (DWARF registers rbp 6, rsp 7, return address 16); elsewhere pmm_unwind() always
 * fails and libgcc's unwinder does the work.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "pmm_internal.h"

#if defined(__x86_64__)

#define DW_REG_RBP	6
#define DW_REG_RSP	7
#define DW_REG_RA	16

/*
 * libgcc's FDE lookup (the one its unwinder uses): knows every loaded object and registered JIT code.
 * libpmm.so links libgcc_s (see the Makefile), so the loader maps it with the hook, before main: no
 * dlopen at start, whose blocks the C library would free at exit as frees no record matches.
 */
struct pmm_dwarf_eh_bases {
	void *tbase;
	void *dbase;
	void *func;
};
const void *_Unwind_Find_FDE(void *pc, struct pmm_dwarf_eh_bases *bases);

/*
 * A rule, in 32 bits, so that a cache slot (a rule and its return address's tag) is one word:
 *	bits 0-7	L / 8, signed: L is where, from the CFA, the caller's rbp was saved when it was
 *			(else -8, the return address), a multiple of 8 in [-256, -8]
 *	bit 8		RULE_CFA_RBP: CFA = rbp + off (else rsp + off)
 *	bit 9		RULE_RBP_SAVED: the caller's rbp is at CFA + L (else unchanged)
 *	bits 10-31	off, the CFA's offset from its register, a multiple of 8 below 4 MiB
 * A rule that is not a step, RULE_END (the return address is undefined: the outermost frame,
 * _start or clone), RULE_FAIL (not handled here: libgcc's unwinder does it) or RULE_GUESS (code
 * without CFI, built with -fno-asynchronous-unwind-tables: pmm_step_fp), has off 1, so its CFA (from
 * rsp, which stays 8-aligned) is misaligned and the fast path's bounds check rejects it without a
 * test of its own.
 */
#define RULE_CFA_RBP	(1u << 8)
#define RULE_RBP_SAVED	(1u << 9)
#define RULE_OFF_SHIFT	10
#define RULE_OFF_LIMIT	(1u << 22)
#define RULE_END	(1u << RULE_OFF_SHIFT | 1)
#define RULE_FAIL	(1u << RULE_OFF_SHIFT | 2)
#define RULE_GUESS	(1u << RULE_OFF_SHIFT | 3)
#define RULE_L_MIN	(-256)

/*
 * The cache: 2-way set-associative on the return address, shared by all threads. A slot is one
 * word, the rule below its key, so that it is read, written and emptied whole with plain loads and
 * stores: no atomic operation on a hit, and no slot half written, even for a signal handler that
 * interrupts its own thread's write. The key is the tag ra >> PMM_UNWIND_BITS (31 bits for any
 * address below 2^47) and SLOT_HOME. An address's home slot is its low bits, so that the slot and
 * the tag give back the whole address: a hit is exact. A rule whose home slot is taken goes to the
 * neighbour (home ^ 1) without SLOT_HOME, so that the fast path, which looks at the home slot
 * only, never takes it for the neighbour's own; the slow path looks there. A third address in the
 * pair evicts the home one. A rule may be stale after a dlclose until pmm_unwind_forget() drops
 * it, which is why every load a rule directs is still bounds-checked against the thread's stack.
 */
#define PMM_UNWIND_BITS		16
#define PMM_UNWIND_SLOTS	(1u << PMM_UNWIND_BITS)	/* 512 KiB, touched only where used */
#define SLOT_HOME		1u

static uint64_t pmm_unwind_cache[PMM_UNWIND_SLOTS];

/* A slot's key: what it holds above the rule. */
static inline uint64_t pmm_slot_key(uintptr_t ra, unsigned int home)
{
	return (uint64_t)(ra >> PMM_UNWIND_BITS) << 1 | home;
}

/* Bumped by pmm_unwind_forget(): a rule worked out across it may be stale, and is not kept. */
static unsigned int pmm_unwind_gen;

/*
 * Which 64ths of the cache may hold a rule: a dlclose walks those only, rather than 512 KiB (and
 * the pages of it never used).
 */
#define PMM_UNWIND_CHUNK_SHIFT	(PMM_UNWIND_BITS - 6)
static uint64_t pmm_unwind_used;

static uintptr_t pmm_read_uleb(const uint8_t **p, const uint8_t *end, int *bad)
{
	uintptr_t v = 0;
	unsigned int shift = 0;

	while (*p < end) {
		uint8_t b = *(*p)++;

		if (shift < 64)
			v |= (uintptr_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	*bad = 1;
	return 0;
}

static intptr_t pmm_read_sleb(const uint8_t **p, const uint8_t *end, int *bad)
{
	intptr_t v = 0;
	unsigned int shift = 0;
	uint8_t b = 0;

	while (*p < end) {
		b = *(*p)++;
		if (shift < 64)
			v |= (intptr_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= -((intptr_t)1 << shift);
			return v;
		}
	}
	*bad = 1;
	return 0;
}

/* A DW_EH_PE_* encoded pointer; only the encodings GCC and the assemblers emit on x86-64. */
static uintptr_t pmm_read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, int *bad)
{
	const uint8_t *start = *p;
	uintptr_t v;

	if (enc == 0xff) {	/* DW_EH_PE_omit */
		return 0;
	}
	switch (enc & 0x0f) {
	case 0x00:	/* absptr */
	case 0x04:	/* udata8 */
	case 0x0c:	/* sdata8 */
		if (end - *p < 8)
			goto bad;
		memcpy(&v, *p, 8);
		*p += 8;
		break;
	case 0x02: {	/* udata2 */
		uint16_t u;

		if (end - *p < 2)
			goto bad;
		memcpy(&u, *p, 2);
		*p += 2;
		v = u;
		break;
	}
	case 0x0a: {	/* sdata2 */
		int16_t s;

		if (end - *p < 2)
			goto bad;
		memcpy(&s, *p, 2);
		*p += 2;
		v = (uintptr_t)(intptr_t)s;
		break;
	}
	case 0x03: {	/* udata4 */
		uint32_t u;

		if (end - *p < 4)
			goto bad;
		memcpy(&u, *p, 4);
		*p += 4;
		v = u;
		break;
	}
	case 0x0b: {	/* sdata4 */
		int32_t s;

		if (end - *p < 4)
			goto bad;
		memcpy(&s, *p, 4);
		*p += 4;
		v = (uintptr_t)(intptr_t)s;
		break;
	}
	case 0x01:
		v = pmm_read_uleb(p, end, bad);
		break;
	case 0x09:
		v = (uintptr_t)pmm_read_sleb(p, end, bad);
		break;
	default:
		goto bad;
	}
	switch (enc & 0x70) {
	case 0x00:
		break;
	case 0x10:	/* pcrel */
		v += (uintptr_t)start;
		break;
	default:	/* textrel, datarel, funcrel, aligned: not in x86-64 .eh_frame */
		goto bad;
	}
	if (enc & 0x80)	/* indirect: only personality routines use it, never read here */
		goto bad;
	return v;
bad:
	*bad = 1;
	return 0;
}

/* The state a CFA program builds, for the three things a step needs. */
struct pmm_cfa_state {
	int cfa_reg;
	intptr_t cfa_off;
	int rbp_saved;		/* 0: same value; 1: at CFA + rbp_off */
	intptr_t rbp_off;
	int ra_saved;		/* 0: undefined (outermost); 1: at CFA + ra_off */
	intptr_t ra_off;
};

struct pmm_cie {
	uintptr_t code_align;
	intptr_t data_align;
	uintptr_t ra_reg;
	uint8_t fde_enc;
	int has_aug_data;
	const uint8_t *insns, *insns_end;
};

static int pmm_parse_cie(const uint8_t *cie, struct pmm_cie *out)
{
	const uint8_t *p = cie, *end, *aug_end = NULL;
	const char *aug;
	uint32_t len;
	uint8_t version;
	int bad = 0;

	memcpy(&len, p, 4);
	p += 4;
	if (len == 0 || len == 0xffffffffu)	/* a terminator, or 64-bit DWARF (never in .eh_frame) */
		return -1;
	end = p + len;
	p += 4;	/* CIE id, 0 */
	version = *p++;
	if (version != 1 && version != 3)
		return -1;
	aug = (const char *)p;
	p += strnlen(aug, (size_t)(end - p)) + 1;
	if (p > end)
		return -1;
	out->code_align = pmm_read_uleb(&p, end, &bad);
	out->data_align = pmm_read_sleb(&p, end, &bad);
	out->ra_reg = version == 1 ? (p < end ? *p++ : 0) : pmm_read_uleb(&p, end, &bad);
	out->fde_enc = 0;	/* absptr */
	out->has_aug_data = aug[0] == 'z';
	if (out->has_aug_data) {
		uintptr_t aug_len = pmm_read_uleb(&p, end, &bad);

		aug_end = p + aug_len;
		if (bad || aug_end > end)
			return -1;
		for (const char *a = aug + 1; *a; a++) {
			if (*a == 'R') {
				out->fde_enc = *p++;
			} else if (*a == 'P') {
				uint8_t enc = *p++;

				/* Skipped, not used: read it raw, indirect or not. */
				pmm_read_encoded(&p, aug_end, enc & 0x7f, &bad);
			} else if (*a == 'L') {
				p++;
			} else {
				/* 'S' (a signal frame) and anything unknown: libgcc's job. */
				return -1;
			}
		}
		p = aug_end;
	} else if (aug[0]) {
		return -1;
	}
	if (bad || p > end || out->ra_reg != DW_REG_RA)
		return -1;
	out->insns = p;
	out->insns_end = end;
	return 0;
}

#define PMM_CFA_STACK	8

/*
 * Runs CFA instructions up to target (pc-relative location loc, already at the FDE's start).
 * Returns 1 when target was passed, 0 at the end of the instructions, -1 for anything not handled.
 */
static int pmm_run_cfa(const uint8_t *p, const uint8_t *end, const struct pmm_cie *cie,
		       const struct pmm_cfa_state *initial, struct pmm_cfa_state *st, uintptr_t *loc,
		       uintptr_t target)
{
	struct pmm_cfa_state stack[PMM_CFA_STACK];
	int depth = 0, bad = 0;

	while (p < end) {
		uint8_t op = *p++;
		uintptr_t reg, delta;
		intptr_t off;

		switch (op & 0xc0) {
		case 0x40:	/* advance_loc */
			delta = (op & 0x3f) * cie->code_align;
			goto advance;
		case 0x80:	/* offset */
			reg = op & 0x3f;
			off = (intptr_t)pmm_read_uleb(&p, end, &bad) * cie->data_align;
			goto set_offset;
		case 0xc0:	/* restore */
			reg = op & 0x3f;
			goto restore;
		}
		switch (op) {
		case 0x00:	/* nop */
			continue;
		case 0x02:	/* advance_loc1 */
			if (p + 1 > end)
				return -1;
			delta = p[0] * cie->code_align;
			p += 1;
			goto advance;
		case 0x03: {	/* advance_loc2 */
			uint16_t d;

			if (p + 2 > end)
				return -1;
			memcpy(&d, p, 2);
			p += 2;
			delta = d * cie->code_align;
			goto advance;
		}
		case 0x04: {	/* advance_loc4 */
			uint32_t d;

			if (p + 4 > end)
				return -1;
			memcpy(&d, p, 4);
			p += 4;
			delta = d * cie->code_align;
			goto advance;
		}
		case 0x05:	/* offset_extended */
			reg = pmm_read_uleb(&p, end, &bad);
			off = (intptr_t)pmm_read_uleb(&p, end, &bad) * cie->data_align;
			goto set_offset;
		case 0x11:	/* offset_extended_sf */
			reg = pmm_read_uleb(&p, end, &bad);
			off = pmm_read_sleb(&p, end, &bad) * cie->data_align;
			goto set_offset;
		case 0x2f:	/* GNU_negative_offset_extended */
			reg = pmm_read_uleb(&p, end, &bad);
			off = -(intptr_t)pmm_read_uleb(&p, end, &bad) * cie->data_align;
			goto set_offset;
		case 0x06:	/* restore_extended */
			reg = pmm_read_uleb(&p, end, &bad);
			goto restore;
		case 0x07:	/* undefined */
		case 0x08:	/* same_value */
			reg = pmm_read_uleb(&p, end, &bad);
			if (reg == DW_REG_RBP) {
				if (op == 0x07)
					return -1;	/* rbp undefined: let libgcc decide */
				st->rbp_saved = 0;
			} else if (reg == DW_REG_RA) {
				if (op == 0x08)
					return -1;
				st->ra_saved = 0;
			}
			continue;
		case 0x09:	/* register */
			reg = pmm_read_uleb(&p, end, &bad);
			pmm_read_uleb(&p, end, &bad);
			if (reg == DW_REG_RBP || reg == DW_REG_RA)
				return -1;
			continue;
		case 0x0a:	/* remember_state */
			if (depth == PMM_CFA_STACK)
				return -1;
			stack[depth++] = *st;
			continue;
		case 0x0b:	/* restore_state */
			if (depth == 0)
				return -1;
			*st = stack[--depth];
			continue;
		case 0x0c:	/* def_cfa */
			st->cfa_reg = (int)pmm_read_uleb(&p, end, &bad);
			st->cfa_off = (intptr_t)pmm_read_uleb(&p, end, &bad);
			continue;
		case 0x12:	/* def_cfa_sf */
			st->cfa_reg = (int)pmm_read_uleb(&p, end, &bad);
			st->cfa_off = pmm_read_sleb(&p, end, &bad) * cie->data_align;
			continue;
		case 0x0d:	/* def_cfa_register */
			st->cfa_reg = (int)pmm_read_uleb(&p, end, &bad);
			continue;
		case 0x0e:	/* def_cfa_offset */
			st->cfa_off = (intptr_t)pmm_read_uleb(&p, end, &bad);
			continue;
		case 0x13:	/* def_cfa_offset_sf */
			st->cfa_off = pmm_read_sleb(&p, end, &bad) * cie->data_align;
			continue;
		case 0x10:	/* expression */
		case 0x16:	/* val_expression */
			reg = pmm_read_uleb(&p, end, &bad);
			delta = pmm_read_uleb(&p, end, &bad);
			if (reg == DW_REG_RBP || reg == DW_REG_RA || bad || delta > (uintptr_t)(end - p))
				return -1;
			p += delta;
			continue;
		case 0x14:	/* val_offset */
		case 0x15:	/* val_offset_sf */
			reg = pmm_read_uleb(&p, end, &bad);
			if (op == 0x14)
				pmm_read_uleb(&p, end, &bad);
			else
				pmm_read_sleb(&p, end, &bad);
			if (reg == DW_REG_RBP || reg == DW_REG_RA)
				return -1;
			continue;
		case 0x2e:	/* GNU_args_size */
			pmm_read_uleb(&p, end, &bad);
			continue;
		default:	/* set_loc, def_cfa_expression, vendor ops */
			return -1;
		}
advance:
		*loc += delta;
		if (*loc > target)
			return bad ? -1 : 1;
		continue;
set_offset:
		if (reg == DW_REG_RBP) {
			st->rbp_saved = 1;
			st->rbp_off = off;
		} else if (reg == DW_REG_RA) {
			st->ra_saved = 1;
			st->ra_off = off;
		}
		continue;
restore:
		if (!initial)
			return -1;	/* restore inside the CIE itself */
		if (reg == DW_REG_RBP) {
			st->rbp_saved = initial->rbp_saved;
			st->rbp_off = initial->rbp_off;
		} else if (reg == DW_REG_RA) {
			st->ra_saved = initial->ra_saved;
			st->ra_off = initial->ra_off;
		}
		continue;
	}
	return bad ? -1 : 0;
}

/* Works out the rule for return address ra (the call is at ra - 1); RULE_FAIL when not handled. */
static uint32_t pmm_rule_for(uintptr_t ra)
{
	struct pmm_dwarf_eh_bases bases;
	const uint8_t *fde, *p, *end, *cie_ptr;
	struct pmm_cie cie;
	struct pmm_cfa_state initial, st;
	uintptr_t pc = ra - 1, start, range, loc;
	uint32_t len, cie_off, rule;
	intptr_t low;
	int bad = 0, ret;

	fde = _Unwind_Find_FDE((void *)pc, &bases);
	if (!fde)
		return RULE_GUESS;
	memcpy(&len, fde, 4);
	if (len == 0 || len == 0xffffffffu)
		return RULE_FAIL;
	p = fde + 4;
	end = p + len;
	memcpy(&cie_off, p, 4);
	cie_ptr = p - cie_off;
	p += 4;
	if (pmm_parse_cie(cie_ptr, &cie) < 0)
		return RULE_FAIL;
	start = pmm_read_encoded(&p, end, cie.fde_enc, &bad);
	range = pmm_read_encoded(&p, end, cie.fde_enc & 0x0f, &bad);
	if (bad || pc < start || pc - start >= range)
		return RULE_FAIL;
	if (cie.has_aug_data) {
		uintptr_t aug_len = pmm_read_uleb(&p, end, &bad);

		if (bad || aug_len > (uintptr_t)(end - p))
			return RULE_FAIL;
		p += aug_len;
	}

	memset(&st, 0, sizeof(st));
	st.cfa_reg = -1;
	loc = start;
	if (pmm_run_cfa(cie.insns, cie.insns_end, &cie, NULL, &st, &loc, ~(uintptr_t)0) != 0)
		return RULE_FAIL;
	initial = st;
	loc = start;
	ret = pmm_run_cfa(p, end, &cie, &initial, &st, &loc, pc);
	if (ret < 0)
		return RULE_FAIL;

	if (st.cfa_reg != DW_REG_RSP && st.cfa_reg != DW_REG_RBP)
		return RULE_FAIL;
	if (!st.ra_saved)
		return RULE_END;
	/*
	 * What compiled code does (the return address at CFA - 8, a CFA 8-aligned above rsp, rbp pushed
	 * near it); anything else, never seen outside signal frames, is left to libgcc.
	 */
	low = st.rbp_saved ? st.rbp_off : -8;
	if (st.ra_off != -8 || st.cfa_off <= 0 || st.cfa_off % 8 || st.cfa_off >= RULE_OFF_LIMIT ||
	    low % 8 || low < RULE_L_MIN || low > -8)
		return RULE_FAIL;
	rule = (uint32_t)st.cfa_off << RULE_OFF_SHIFT | (uint8_t)(int8_t)(low / 8);
	if (st.cfa_reg == DW_REG_RBP)
		rule |= RULE_CFA_RBP;
	if (st.rbp_saved)
		rule |= RULE_RBP_SAVED;
	return rule;
}

/*
 * The rule for ra: from its home slot or the neighbour, or worked out and cached (never in the
 * fast path, so its cost hardly matters).
 */
static uint32_t pmm_rule_get(uintptr_t ra)
{
	uint64_t *home = &pmm_unwind_cache[ra & (PMM_UNWIND_SLOTS - 1)];
	uint64_t *other = &pmm_unwind_cache[(ra & (PMM_UNWIND_SLOTS - 1)) ^ 1], *slot = home;
	uint64_t w = __atomic_load_n(home, __ATOMIC_RELAXED);
	unsigned int gen;
	uint32_t rule;

	if (w >> 32 == pmm_slot_key(ra, SLOT_HOME))
		return (uint32_t)w;
	w = __atomic_load_n(other, __ATOMIC_RELAXED);
	if (w >> 32 == pmm_slot_key(ra, 0))
		return (uint32_t)w;
	gen = __atomic_load_n(&pmm_unwind_gen, __ATOMIC_ACQUIRE);
	rule = pmm_rule_for(ra);
	/* Above 2^47 (5-level paging) the key would not fit: worked out every time. */
	if (pmm_slot_key(ra, SLOT_HOME) >> 32)
		return rule;
	w = pmm_slot_key(ra, SLOT_HOME) << 32 | rule;
	if (__atomic_load_n(home, __ATOMIC_RELAXED) && !__atomic_load_n(other, __ATOMIC_RELAXED)) {
		slot = other;
		w = pmm_slot_key(ra, 0) << 32 | rule;
	}
	__atomic_store_n(slot, w, __ATOMIC_RELAXED);
	/*
	 * The chunk's bit goes after the store, every time (a pmm_unwind_forget() may just have taken
	 * it), so that a pmm_unwind_forget() that takes it sees the rule too. A rule worked out before a
	 * pmm_unwind_forget() that may have missed this store is taken back out (unless another has
	 * replaced it): the fences pair with pmm_unwind_forget()'s, so that either it sees the bit and
	 * the rule, or this sees its new generation.
	 */
	__atomic_fetch_or(&pmm_unwind_used, 1ull << ((slot - pmm_unwind_cache) >> PMM_UNWIND_CHUNK_SHIFT),
			  __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&pmm_unwind_gen, __ATOMIC_RELAXED) != gen)
		__atomic_compare_exchange_n(slot, &w, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	return rule;
}

/* After dlclose: the closed object's addresses may be reused by other code, so every rule is dropped. */
void pmm_unwind_forget(void)
{
	uint64_t used;

	__atomic_add_fetch(&pmm_unwind_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	used = __atomic_exchange_n(&pmm_unwind_used, 0, __ATOMIC_ACQUIRE);
	while (used) {
		unsigned int first = (unsigned int)__builtin_ctzll(used) << PMM_UNWIND_CHUNK_SHIFT;

		used &= used - 1;
		for (unsigned int i = first; i < first + (1u << PMM_UNWIND_CHUNK_SHIFT); i++)
			if (__atomic_load_n(&pmm_unwind_cache[i], __ATOMIC_RELAXED))
				__atomic_store_n(&pmm_unwind_cache[i], 0, __ATOMIC_RELAXED);
	}
}

/* x rotated right by 3: a multiple of 8 becomes x / 8, anything else at least 2^61. */
static inline uintptr_t pmm_ror3(uintptr_t x)
{
	return x >> 3 | x << 61;
}

/* A walk's state, which the fast path keeps in registers and hands over to pmm_unwind_slow(). */
struct pmm_walk {
	uintptr_t ra, rsp, rbp;		/* the frame reached, ra already stored */
	uintptr_t lo, lim;		/* lo: the stack's low end + 256, lim: (hi - lo) / 8 */
};

/*
 * One step by rule from the frame w->ra: 1 when it reached the caller, 0 when the stack ends here,
 * -1 when libgcc's unwinder must do it.
 *
 * A step reads two words of [CFA + L, CFA), the return address and the caller's rbp (or the return
 * address again, when rbp is unchanged), and needs both inside the stack: with L >= -256, a CFA in
 * [stack's low end + 256, hi] is enough (a frame in the stack's last 256 bytes is left to
 * libgcc's unwinder). One check, (CFA - lo) / 8 <= lim with the left side rotated instead of shifted, so
 * that a misaligned CFA (a rule that is not a step, a misaligned rbp) lands above any limit and
 * every load is 8-aligned.
 */
static inline __attribute__((always_inline)) int pmm_step(struct pmm_walk *w, uint32_t rule)
{
	uintptr_t cfa = ((rule & RULE_CFA_RBP) ? w->rbp : w->rsp) + (rule >> RULE_OFF_SHIFT);
	uintptr_t saved_rbp;

	if (__builtin_expect(pmm_ror3(cfa - w->lo) > w->lim, 0))
		return rule == RULE_END ? 0 : -1;
	w->ra = ((const uintptr_t *)cfa)[-1];
	saved_rbp = ((const uintptr_t *)cfa)[(int8_t)rule];
	if (rule & RULE_RBP_SAVED)
		w->rbp = saved_rbp;
	w->rsp = cfa;
	/* libgcc stops at a zero return address too, and glibc drops that trailing zero. */
	return w->ra != 0;
}

/* The rule of a function that keeps a frame pointer: CFA = rbp + 16, the caller's rbp at CFA - 16. */
#define RULE_FRAME_POINTER	(RULE_CFA_RBP | RULE_RBP_SAVED | 16u << RULE_OFF_SHIFT | (uint8_t)(int8_t)-2)

/*
 * One step from a frame whose code has no CFI at all (libgcc's unwinder stops there; valgrind's
 * does this too): by the frame pointer, as if the function kept one. 1 when it reached the caller,
 * 0 when the walk ends here: rbp is not a frame inside the stack, above this one. In code built
 * without frame pointers rbp may be an older frame's, and the step skips the frames between, as
 * PMM_STACK_UNWIND=fp does.
 */
static int pmm_step_fp(struct pmm_walk *w)
{
	if (w->rbp + 2 * sizeof(uintptr_t) <= w->rsp)
		return 0;
	return pmm_step(w, RULE_FRAME_POINTER) > 0;
}

/* The rest of a walk that met an address its home slot does not hold; the next frame goes to p. */
static __attribute__((noinline)) int pmm_unwind_slow(struct pmm_walk *w, __u64 *frames, __u64 *p,
						     __u64 *end)
{
	for (;;) {
		uint32_t rule = pmm_rule_get(w->ra);
		int ret = rule == RULE_GUESS ? pmm_step_fp(w) : pmm_step(w, rule);

		if (ret < 0)
			return -1;
		if (!ret)
			break;
		*p++ = w->ra;
		if (p == end)
			break;
	}
	return (int)(p - frames);
}

/*
 * Unwinds from the first frame outside the hook: ra is its return address, rsp its stack pointer
 * at that point, rbp its rbp. Fills up to max frames; -1 when libgcc's unwinder must do it instead.
 * The fast path takes rules from their home slots only and calls nothing, so that the walk's
 * state stays in registers.
 */
int pmm_unwind(uintptr_t ra, uintptr_t rsp, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
	       __u64 *frames, int max)
{
	struct pmm_walk w = { .ra = ra, .rsp = rsp, .rbp = rbp, .lo = lo - RULE_L_MIN,
			      .lim = (hi - lo + RULE_L_MIN) / 8 };
	__u64 *p = frames, *end = frames + max;

	if (max <= 0)
		return 0;
	/* An aligned rsp and stack, of more than 256 bytes, below 2^60 bytes so that lim < 2^61. */
	if (hi - lo + RULE_L_MIN >= (uintptr_t)1 << 60 || ((lo | rsp) & 7))
		return -1;
	for (;;) {
		uint64_t slot;
		int ret;

		*p++ = w.ra;
		if (p == end)
			break;
		slot = __atomic_load_n(&pmm_unwind_cache[w.ra & (PMM_UNWIND_SLOTS - 1)],
				       __ATOMIC_RELAXED);
		if (__builtin_expect(slot >> 32 != pmm_slot_key(w.ra, SLOT_HOME), 0))
			goto slow;
		ret = pmm_step(&w, (uint32_t)slot);
		if (__builtin_expect(ret < 0, 0)) {
			/* Not a step (pmm_step changed nothing): a frame without CFI is the slow path's. */
			if ((uint32_t)slot == RULE_GUESS)
				goto slow;
			return -1;
		}
		if (!ret)
			break;
	}
	return (int)(p - frames);
slow:
	{
		/* A copy: w's own address never escapes, so that it lives in registers. */
		struct pmm_walk copy = w;

		return pmm_unwind_slow(&copy, frames, p, end);
	}
}

#else

void pmm_unwind_forget(void)
{
}

int pmm_unwind(uintptr_t ra, uintptr_t rsp, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
	       __u64 *frames, int max)
{
	(void)ra, (void)rsp, (void)rbp, (void)lo, (void)hi, (void)frames, (void)max;
	return -1;
}

#endif
