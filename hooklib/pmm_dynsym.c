/*
 * pmm_dynsym.c: whether a loaded object defines a symbol among its dynamic symbols, read from its
 * hash table in memory. dlsym() can say so too, but a failed dlsym() leaves an error text and its
 * state block allocated, which the C library frees at exit: two frees that no record matches.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

#include "pmm_internal.h"

/*
 * The dynamic section's addresses: the dynamic linker makes most of them absolute in place, but not
 * in a read-only section (the vDSO's), where they stay relative to the load address.
 */
static const void *pmm_dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) ptr)
{
	return (const void *)(ptr < info->dlpi_addr ? info->dlpi_addr + ptr : ptr);
}

static int pmm_sym_defined(const ElfW(Sym) *sym, const char *strtab, const char *name)
{
	unsigned char bind = ELF64_ST_BIND(sym->st_info);

	return sym->st_shndx != SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
	       strcmp(strtab + sym->st_name, name) == 0;
}

/* The GNU hash table (DT_GNU_HASH): a Bloom filter, then the name's bucket and its chain. */
static int pmm_gnu_hash_defines(const uint32_t *table, const ElfW(Sym) *symtab, const char *strtab,
				const char *name)
{
	uint32_t nbuckets = table[0], symoffset = table[1], bloom_size = table[2], shift = table[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)&table[4];
	const uint32_t *buckets = (const uint32_t *)&bloom[bloom_size];
	const uint32_t *chain = &buckets[nbuckets];
	const unsigned int bits = sizeof(ElfW(Addr)) * 8;
	uint32_t hash = 5381, i;
	ElfW(Addr) word, mask;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		hash = hash * 33 + *c;
	if (!nbuckets || !bloom_size || shift >= 32)
		return 0;
	word = bloom[(hash / bits) % bloom_size];
	mask = ((ElfW(Addr))1 << (hash % bits)) | ((ElfW(Addr))1 << ((hash >> shift) % bits));
	if ((word & mask) != mask)
		return 0;
	i = buckets[hash % nbuckets];
	if (i < symoffset)
		return 0;
	for (;; i++) {
		uint32_t entry = chain[i - symoffset];

		if ((entry | 1) == (hash | 1) && pmm_sym_defined(&symtab[i], strtab, name))
			return 1;
		if (entry & 1)
			return 0;
	}
}

/* The System V hash table (DT_HASH), which older links have instead. */
static int pmm_sysv_hash_defines(const uint32_t *table, const ElfW(Sym) *symtab, const char *strtab,
				 const char *name)
{
	uint32_t nbuckets = table[0], nchain = table[1], hash = 0;
	const uint32_t *buckets = &table[2], *chain = &buckets[nbuckets];

	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		hash = (hash << 4) + *c;
		hash = (hash ^ ((hash >> 24) & 0xf0)) & 0x0fffffff;
	}
	if (!nbuckets)
		return 0;
	for (uint32_t i = buckets[hash % nbuckets]; i != STN_UNDEF && i < nchain; i = chain[i])
		if (pmm_sym_defined(&symtab[i], strtab, name))
			return 1;
	return 0;
}

int pmm_object_defines(const struct dl_phdr_info *info, const char *name)
{
	const ElfW(Dyn) *dyn = NULL;
	const uint32_t *gnu_hash = NULL, *sysv_hash = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;

	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_GNU_HASH:
			gnu_hash = pmm_dyn_ptr(info, dyn->d_un.d_ptr);
			break;
		case DT_HASH:
			sysv_hash = pmm_dyn_ptr(info, dyn->d_un.d_ptr);
			break;
		case DT_SYMTAB:
			symtab = pmm_dyn_ptr(info, dyn->d_un.d_ptr);
			break;
		case DT_STRTAB:
			strtab = pmm_dyn_ptr(info, dyn->d_un.d_ptr);
			break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	if (gnu_hash)
		return pmm_gnu_hash_defines(gnu_hash, symtab, strtab, name);
	return sysv_hash && pmm_sysv_hash_defines(sysv_hash, symtab, strtab, name);
}
