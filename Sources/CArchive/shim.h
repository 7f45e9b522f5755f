#ifndef TUTOR_CARCHIVE_SHIM_H
#define TUTOR_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
