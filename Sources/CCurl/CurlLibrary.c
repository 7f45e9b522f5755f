#define CURL_DISABLE_TYPECHECK 1
#include "CCurl.h"

#include <CLazyLibrary.h>

#define TUTOR_CURL_FUNCTIONS(FUNCTION, PROCEDURE, VARIADIC)                                          \
    FUNCTION(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)                  \
    FUNCTION(CURL *, curl_easy_init, (void), (), NULL)                                               \
    PROCEDURE(void, curl_easy_cleanup, (CURL * handle), (handle))                                    \
    PROCEDURE(void, curl_easy_reset, (CURL * handle), (handle))                                      \
    FUNCTION(CURLcode, curl_easy_perform, (CURL * handle), (handle), CURLE_FAILED_INIT)             \
    FUNCTION(const char *, curl_easy_strerror, (CURLcode code), (code), "libcurl is not loaded")    \
    FUNCTION(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *text),  \
             (list, text), NULL)                                                                     \
    PROCEDURE(void, curl_slist_free_all, (struct curl_slist * list), (list))                         \
    VARIADIC(CURLcode, curl_easy_setopt, (CURL * handle, CURLoption option, ...))                    \
    VARIADIC(CURLcode, curl_easy_getinfo, (CURL * handle, CURLINFO info, ...))

TUTOR_LAZY_LIBRARY("libcurl.so.4", TUTOR_CURL_FUNCTIONS, tutor_curl_load_error)

#define SETOPT(name, type)                                                       \
    CURLcode name(CURL *handle, CURLoption option, type value) {                 \
        return library_loaded() ? library.curl_easy_setopt(handle, option, value) : CURLE_FAILED_INIT; \
    }
SETOPT(tutor_curl_setopt_long, long)
SETOPT(tutor_curl_setopt_string, const char *)
SETOPT(tutor_curl_setopt_pointer, void *)
SETOPT(tutor_curl_setopt_slist, struct curl_slist *)
SETOPT(tutor_curl_setopt_data_callback, tutor_curl_data_callback)
SETOPT(tutor_curl_setopt_offset, curl_off_t)

CURLcode tutor_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob = {.data = (void *)data, .len = length, .flags = CURL_BLOB_COPY};
    return library_loaded() ? library.curl_easy_setopt(handle, option, &blob) : CURLE_FAILED_INIT;
}

#define GETINFO(name, type)                                                      \
    CURLcode name(CURL *handle, CURLINFO info, type *value) {                    \
        return library_loaded() ? library.curl_easy_getinfo(handle, info, value) : CURLE_FAILED_INIT; \
    }
GETINFO(tutor_curl_getinfo_long, long)
GETINFO(tutor_curl_getinfo_double, double)
GETINFO(tutor_curl_getinfo_string, char *)
