/*
 * glibc_aliases.c: leaks made inside glibc functions whose symbol table and debug info name them
 * differently, and which valgrind names by the symbol table: asprintf (__asprintf in the debug info),
 * tmpfile's fdopen (tmpfile64 and _IO_fdopen), newlocale (__newlocale), and qsort's merge sort, a compiler
 * clone (msort_with_tmp.part.0), calling a comparator that allocates; and iconv_open's, one of whose
 * frames is in a gconv module that __libc_freeres unloads before exit (valgrind's ???, its obj:*).
 * Leaks: asprintf's 3 bytes, tmpfile's FILE, newlocale's locale, 4 blocks of 16 from the comparator,
 * iconv_open's descriptor and steps.
 */
#define _GNU_SOURCE
#include <iconv.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

void *volatile kept[4];
static int kept_count;

static int compare(const void *a, const void *b)
{
	if (kept_count < 4)
		kept[kept_count++] = malloc(16);
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	static int numbers[64];
	char *text;
	FILE *file;

	if (asprintf(&text, "%d", 42) < 0)
		return 1;
	file = tmpfile();
	if (!file || !newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0))
		return 1;
	for (int i = 0; i < 64; i++)
		numbers[i] = 64 - i;
	qsort(numbers, 64, sizeof(numbers[0]), compare);
	if (iconv_open("UTF-16", "UTF-8") == (iconv_t)-1)
		return 1;
	puts("glibc_aliases: done");
	return 0;
}
