#ifndef TUTOR_CARCHIVE_H
#define TUTOR_CARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

// libarchive, loaded on first use (see CLazyLibrary.h): every libarchive function tutor calls is
// defined in ArchiveLibrary.c, which opens libarchive.so.13 the first time one of them runs.

// NULL once libarchive is loaded; otherwise why it cannot be (the library or a function is
// missing). The functions then fail with ARCHIVE_FATAL (or NULL, or 0) and do nothing.
const char *tutor_archive_load_error(void);

#endif
