/*
 * record_dir_removed.c: a program that empties the folder host mode records it in (PMM_RECORD_DIR), as
 * one that cleans its TMPDIR up does, after leaking 5 blocks. Nothing without that variable.
 *
 *	record_dir_removed files	removes the files in it
 *	record_dir_removed dir		removes the files and the folder
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *volatile sink;

int main(int argc, char **argv)
{
	const char *dir = getenv("PMM_RECORD_DIR");
	char path[4096];
	struct dirent *entry;
	DIR *d;

	if (argc != 2 || (strcmp(argv[1], "files") && strcmp(argv[1], "dir")))
		return 2;
	for (int i = 0; i < 5; i++)
		sink = malloc(100);
	if (!dir || !(d = opendir(dir)))
		return 0;
	while ((entry = readdir(d)) != NULL) {
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
			unlink(path);
		}
	}
	closedir(d);
	if (strcmp(argv[1], "dir") == 0)
		rmdir(dir);
	return 0;
}
