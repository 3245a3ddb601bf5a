/*
 * replaced: the hook's object map, written as the process started (and at each dlopen), says which file is
 * mapped where. A file replaced at its path since (relinked, renamed over, reinstalled) is no longer the
 * one mapped, and the host, which reads functions and lines from the file at that path, would name the old
 * code's addresses after the new code's. The kernel's own maps would now say " (deleted)" after that path,
 * for the mapped inode has no name left: pmd says so too, as it collects the text (host mode's reader
 * does the same: hooklib/host/replacedFiles.ts).
 */
#ifndef PMD_REPLACED_H
#define PMD_REPLACED_H

#include "buf.h"

/* Marks each line of maps whose file is now another inode on the same device " (deleted)". */
void replaced_mark(struct buf *maps);

#endif
