/*
 * pmm_unwind.c: the default stack capture, exact like the CFI unwinder and about as cheap as a
 * frame-pointer walk.
 *
 * glibc's backtrace() (libgcc's unwinder) is exact through code without frame pointers, but for every
 * frame it looks the FDE up (dl_iterate_phdr under the loader's lock) and interprets its CFA program:
 * about 100x a malloc under TCG. A frame-pointer walk is a few loads per frame, but a function
 * without a frame pointer (much of libc, e.g. strdup, or any program built with -O2 on Debian) hides
 * its caller. Here each return address's unwind rule (where the CFA is, where the caller's rbp and
 * return address were saved) is worked out once from the same .eh_frame data libgcc uses and cached,
 * so a stack costs a hash lookup and two loads per frame, whether the code keeps frame pointers or
 * not. Whatever this small interpreter does not handle (signal frames, DWARF expressions, DRAP
 * realignment, code without an FDE, a read outside the thread's stack) makes the caller use
 * backtrace() for that record: never a wrong stack, only a slower one.
 *
 * x86-64 only (DWARF registers rbp 6, rsp 7, return address 16); elsewhere pmm_unwind() always
 * fails and backtrace() does the work.
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

/* libgcc's FDE lookup (the one backtrace() uses): knows every loaded object and registered JIT code. */
struct pmm_dwarf_eh_bases {
	void *tbase;
	void *dbase;
	void *func;
};
typedef const void *(*pmm_find_fde_fn)(void *pc, struct pmm_dwarf_eh_bases *bases);
static pmm_find_fde_fn pmm_find_fde;

/*
 * A rule, packed in one word so that a cache slot is read with two plain loads:
 * bits 0-31 the CFA's offset from its register, 32-47 where rbp was saved (from the CFA), 48-55 where
 * the return address was saved (from the CFA), and the flags below.
 */
#define RULE_CFA_RBP	(1ull << 56)	/* CFA = rbp + off (else rsp + off) */
#define RULE_RBP_SAVED	(1ull << 57)	/* the caller's rbp is at CFA + rbp_off (else unchanged) */
#define RULE_END	(1ull << 58)	/* return address undefined: the outermost frame (_start, clone) */
#define RULE_FAIL	(1ull << 59)	/* not handled here: use backtrace() */
#define RULE_VALID	(1ull << 63)

/*
 * The cache: open addressing on the return address, shared by all threads, never emptied (code of
 * a dlclosed library could be replaced by other code at the same address; its rule would then be
 * stale, which is why a cached rule's loads are still bounds-checked against the thread's stack).
 * A slot is claimed by a compare-and-swap of its key, and its rule published after with a release
 * store; a reader that finds the key but not yet the rule works the rule out itself.
 */
#define PMM_UNWIND_SLOTS	16384	/* power of two; 256 KiB */
#define PMM_UNWIND_PROBES	16

struct pmm_unwind_slot {
	uintptr_t pc;
	uint64_t rule;
};
static struct pmm_unwind_slot pmm_unwind_cache[PMM_UNWIND_SLOTS];

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
static uint64_t pmm_rule_for(uintptr_t ra)
{
	struct pmm_dwarf_eh_bases bases;
	const uint8_t *fde, *p, *end, *cie_ptr;
	struct pmm_cie cie;
	struct pmm_cfa_state initial, st;
	uintptr_t pc = ra - 1, start, range, loc;
	uint32_t len, cie_off;
	int bad = 0, ret;
	uint64_t rule;

	if (!pmm_find_fde)
		return RULE_FAIL;
	fde = pmm_find_fde((void *)pc, &bases);
	if (!fde)
		return RULE_FAIL;
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
		return RULE_VALID | RULE_END;
	if (st.cfa_off < INT32_MIN || st.cfa_off > INT32_MAX || st.ra_off < INT8_MIN || st.ra_off > INT8_MAX ||
	    st.rbp_off < INT16_MIN || st.rbp_off > INT16_MAX)
		return RULE_FAIL;
	rule = RULE_VALID | (uint32_t)(int32_t)st.cfa_off;
	rule |= (uint64_t)(uint16_t)(int16_t)(st.rbp_saved ? st.rbp_off : 0) << 32;
	rule |= (uint64_t)(uint8_t)(int8_t)st.ra_off << 48;
	if (st.cfa_reg == DW_REG_RBP)
		rule |= RULE_CFA_RBP;
	if (st.rbp_saved)
		rule |= RULE_RBP_SAVED;
	return rule;
}

static inline unsigned int pmm_unwind_hash(uintptr_t pc)
{
	return (unsigned int)((pc * 0x9E3779B97F4A7C15ull) >> 50) & (PMM_UNWIND_SLOTS - 1);
}

static uint64_t pmm_rule_lookup(uintptr_t ra)
{
	unsigned int i = pmm_unwind_hash(ra);
	uint64_t rule;

	for (int n = 0; n < PMM_UNWIND_PROBES; n++, i = (i + 1) & (PMM_UNWIND_SLOTS - 1)) {
		struct pmm_unwind_slot *s = &pmm_unwind_cache[i];
		uintptr_t key = __atomic_load_n(&s->pc, __ATOMIC_ACQUIRE);

		if (__builtin_expect(key == ra, 1)) {
			rule = __atomic_load_n(&s->rule, __ATOMIC_ACQUIRE);
			/* The key again: pmm_unwind_forget() may have emptied the slot for another address meanwhile. */
			if (!rule || __atomic_load_n(&s->pc, __ATOMIC_RELAXED) != ra)
				return pmm_rule_for(ra);
			return rule;
		}
		if (key == 0) {
			rule = pmm_rule_for(ra);
			if (__atomic_compare_exchange_n(&s->pc, &key, ra, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				__atomic_store_n(&s->rule, rule, __ATOMIC_RELEASE);
			else if (key != ra)
				continue;	/* another thread took the slot for another address */
			return rule;
		}
	}
	/* A full neighbourhood: correct, only uncached. */
	return pmm_rule_for(ra);
}

/*
 * After dlclose: the closed object's addresses may be reused by other code, so every rule is dropped
 * (rule first, then key, so that a reader that sees the key either gets the rule or a zero).
 */
void pmm_unwind_forget(void)
{
	for (unsigned int i = 0; i < PMM_UNWIND_SLOTS; i++) {
		if (!__atomic_load_n(&pmm_unwind_cache[i].pc, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&pmm_unwind_cache[i].rule, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&pmm_unwind_cache[i].pc, 0, __ATOMIC_RELEASE);
	}
}

void pmm_unwind_prepare(void)
{
	void *gcc_s = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);

	if (!gcc_s)
		gcc_s = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
	if (gcc_s)
		pmm_find_fde = (pmm_find_fde_fn)dlsym(gcc_s, "_Unwind_Find_FDE");
}

/*
 * Unwinds from the first frame outside the hook: ra is its return address, rsp its stack pointer
 * at that point, rbp its rbp. Fills up to max frames; -1 when backtrace() must do it instead.
 */
int pmm_unwind(uintptr_t ra, uintptr_t rsp, uintptr_t rbp, uintptr_t lo, uintptr_t hi,
	       __u64 *frames, int max)
{
	int n = 0;

	while (n < max) {
		uint64_t rule;
		uintptr_t cfa, next_ra;

		frames[n++] = ra;
		if (n == max)
			break;
		rule = pmm_rule_lookup(ra);
		if (__builtin_expect(rule & RULE_FAIL, 0))
			return -1;
		if (rule & RULE_END)
			break;
		cfa = ((rule & RULE_CFA_RBP) ? rbp : rsp) + (intptr_t)(int32_t)(uint32_t)rule;
		{
			uintptr_t ra_at = cfa + (intptr_t)(int8_t)(uint8_t)(rule >> 48);

			if (ra_at < lo || ra_at + sizeof(uintptr_t) > hi || (ra_at & 7))
				return -1;
			next_ra = *(const uintptr_t *)ra_at;
		}
		if (rule & RULE_RBP_SAVED) {
			uintptr_t rbp_at = cfa + (intptr_t)(int16_t)(uint16_t)(rule >> 32);

			if (rbp_at < lo || rbp_at + sizeof(uintptr_t) > hi || (rbp_at & 7))
				return -1;
			rbp = *(const uintptr_t *)rbp_at;
		}
		rsp = cfa;
		/* libgcc stops at a zero return address too, and glibc drops that trailing zero. */
		if (!next_ra)
			break;
		ra = next_ra;
	}
	return n;
}

#else

void pmm_unwind_prepare(void)
{
}

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
