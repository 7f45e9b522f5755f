#ifndef TUTOR_CCURL_H
#define TUTOR_CCURL_H

#include <curl/curl.h>

// libcurl, loaded on first use (see CLazyLibrary.h): every libcurl function tutor calls is defined
// in CurlLibrary.c, which opens libcurl.so.4 the first time one of them runs.

// NULL once libcurl is loaded; otherwise why it cannot be (the library or a function is missing).
// The functions below then fail with CURLE_FAILED_INIT (or NULL) and do nothing.
const char *tutor_curl_load_error(void);

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// wrapper per argument kind.
typedef size_t (*tutor_curl_data_callback)(char *data, size_t size, size_t count, void *context);
CURLcode tutor_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode tutor_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode tutor_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode tutor_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode tutor_curl_setopt_data_callback(CURL *handle, CURLoption option, tutor_curl_data_callback value);
CURLcode tutor_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
// Hands libcurl a copy of a PEM bundle in memory (CURLOPT_CAINFO_BLOB and friends).
CURLcode tutor_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode tutor_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode tutor_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode tutor_curl_getinfo_string(CURL *handle, CURLINFO info, char **value);

#endif
