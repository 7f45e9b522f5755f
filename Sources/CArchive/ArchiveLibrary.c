#include "CArchive.h"

#include <CLazyLibrary.h>

typedef struct archive archive;
typedef struct archive_entry entry;

#define TUTOR_ARCHIVE_FUNCTIONS(FUNCTION, PROCEDURE, VARIADIC)                                                   \
    FUNCTION(archive *, archive_write_new, (void), (), NULL)                                         \
    FUNCTION(archive *, archive_write_disk_new, (void), (), NULL)                                    \
    FUNCTION(int, archive_write_disk_set_options, (archive * a, int flags), (a, flags), ARCHIVE_FATAL) \
    FUNCTION(int, archive_write_set_format_pax_restricted, (archive * a), (a), ARCHIVE_FATAL)        \
    FUNCTION(int, archive_write_set_format_zip, (archive * a), (a), ARCHIVE_FATAL)                   \
    FUNCTION(int, archive_write_add_filter_gzip, (archive * a), (a), ARCHIVE_FATAL)                  \
    FUNCTION(int, archive_write_set_filter_option,                                                     \
             (archive * a, const char *module, const char *option, const char *value),               \
             (a, module, option, value), ARCHIVE_FATAL)                                                \
    FUNCTION(int, archive_write_open_fd, (archive * a, int fd), (a, fd), ARCHIVE_FATAL)              \
    FUNCTION(int, archive_write_header, (archive * a, entry * e), (a, e), ARCHIVE_FATAL)             \
    FUNCTION(la_ssize_t, archive_write_data, (archive * a, const void *data, size_t size),           \
             (a, data, size), ARCHIVE_FATAL)                                                           \
    FUNCTION(int, archive_write_finish_entry, (archive * a), (a), ARCHIVE_FATAL)                     \
    FUNCTION(int, archive_write_close, (archive * a), (a), ARCHIVE_FATAL)                            \
    FUNCTION(int, archive_write_free, (archive * a), (a), ARCHIVE_FATAL)                             \
    FUNCTION(archive *, archive_read_new, (void), (), NULL)                                          \
    FUNCTION(int, archive_read_support_filter_all, (archive * a), (a), ARCHIVE_FATAL)                \
    FUNCTION(int, archive_read_support_format_all, (archive * a), (a), ARCHIVE_FATAL)                \
    FUNCTION(int, archive_read_open_memory, (archive * a, const void *data, size_t size),            \
             (a, data, size), ARCHIVE_FATAL)                                                           \
    FUNCTION(int, archive_read_next_header, (archive * a, entry * *e), (a, e), ARCHIVE_FATAL)        \
    FUNCTION(la_ssize_t, archive_read_data, (archive * a, void *data, size_t size), (a, data, size), \
             ARCHIVE_FATAL)                                                                            \
    FUNCTION(int, archive_read_free, (archive * a), (a), ARCHIVE_FATAL)                              \
    FUNCTION(int, archive_errno, (archive * a), (a), 0)                                              \
    FUNCTION(const char *, archive_error_string, (archive * a), (a), "libarchive is not loaded")    \
    FUNCTION(entry *, archive_entry_new, (void), (), NULL)                                           \
    PROCEDURE(void, archive_entry_free, (entry * e), (e))                                            \
    PROCEDURE(void, archive_entry_set_pathname, (entry * e, const char *path), (e, path))            \
    PROCEDURE(void, archive_entry_set_filetype, (entry * e, unsigned int type), (e, type))           \
    PROCEDURE(void, archive_entry_set_perm, (entry * e, __LA_MODE_T mode), (e, mode))                     \
    PROCEDURE(void, archive_entry_set_size, (entry * e, la_int64_t size), (e, size))                 \
    PROCEDURE(void, archive_entry_set_mtime, (entry * e, time_t seconds, long nanoseconds),          \
              (e, seconds, nanoseconds))                                                               \
    PROCEDURE(void, archive_entry_set_uid, (entry * e, la_int64_t id), (e, id))                      \
    PROCEDURE(void, archive_entry_set_gid, (entry * e, la_int64_t id), (e, id))                      \
    FUNCTION(const char *, archive_entry_pathname, (entry * e), (e), NULL)                           \
    FUNCTION(__LA_MODE_T, archive_entry_filetype, (entry * e), (e), 0)                                    \
    FUNCTION(__LA_MODE_T, archive_entry_perm, (entry * e), (e), 0)                                        \
    FUNCTION(time_t, archive_entry_mtime, (entry * e), (e), 0)                                       \
    FUNCTION(la_int64_t, archive_entry_uid, (entry * e), (e), 0)                                     \
    FUNCTION(la_int64_t, archive_entry_gid, (entry * e), (e), 0)                                     \
    FUNCTION(const char *, archive_entry_uname, (entry * e), (e), NULL)                              \
    FUNCTION(const char *, archive_entry_gname, (entry * e), (e), NULL)

TUTOR_LAZY_LIBRARY("libarchive.so.13", TUTOR_ARCHIVE_FUNCTIONS, tutor_archive_load_error)
