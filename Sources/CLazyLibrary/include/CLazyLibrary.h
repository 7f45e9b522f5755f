#ifndef TUTOR_CLAZYLIBRARY_H
#define TUTOR_CLAZYLIBRARY_H

#include <pthread.h>
#include <stddef.h>

// tutor loads libcurl and libarchive only in the commands that use them: linked normally, their
// 40-odd dependent libraries would be mapped and relocated by every start, `tutor --version`
// included. Each library's C target lists the functions tutor calls and defines them as
// trampolines into the library, which `tutor_lazy_library_load` opens on first use.

// Opens `soname` (RTLD_NOW | RTLD_LOCAL) and resolves `count` symbols into `slots`.
// Returns NULL when every symbol was found, otherwise a message naming the library and what failed,
// written into `error` (of `error_size` bytes). Call it once per library (under pthread_once).
const char *tutor_lazy_library_load(
    const char *soname, const char *const names[], void *slots[], size_t count,
    char *error, size_t error_size);

// A library's C target lists each function tutor calls once, in an X-macro
//   FUNCTIONS(FUNCTION, PROCEDURE, VARIADIC)
// of FUNCTION(return type, name, (parameters), (arguments), value when the library is missing),
// PROCEDURE(void, name, (parameters), (arguments)) and VARIADIC(return type, name, (parameters)),
// and expands TUTOR_LAZY_LIBRARY(soname, FUNCTIONS, load_error_function) once. That gives a struct
// `library` of function pointers, `load_error_function()` (NULL once loaded, else why not),
// `library_loaded()`, and for each FUNCTION and PROCEDURE a hidden definition under the library's
// own name that loads the library and calls through the pointer (a VARIADIC one gets no definition:
// the target wraps it in typed functions that call `library.name`).
#define TUTOR_LAZY_LIBRARY(soname, FUNCTIONS, load_error_function)                                      \
    static struct {                                                                                      \
        FUNCTIONS(TUTOR_LAZY_SLOT, TUTOR_LAZY_SLOT, TUTOR_LAZY_SLOT)                                     \
    } library;                                                                                           \
    static const char *const library_names[] = {                                                         \
        FUNCTIONS(TUTOR_LAZY_NAME, TUTOR_LAZY_NAME, TUTOR_LAZY_NAME)};                                   \
    _Static_assert(sizeof(library) == sizeof(library_names), "one function pointer per name");          \
    static pthread_once_t library_once = PTHREAD_ONCE_INIT;                                              \
    static const char *library_error;                                                                    \
    static char library_error_text[512];                                                                 \
    static void library_load(void) {                                                                     \
        library_error = tutor_lazy_library_load(                                                         \
            soname, library_names, (void **)&library, sizeof(library_names) / sizeof(library_names[0]), \
            library_error_text, sizeof(library_error_text));                                             \
    }                                                                                                    \
    const char *load_error_function(void) {                                                              \
        pthread_once(&library_once, library_load);                                                       \
        return library_error;                                                                            \
    }                                                                                                    \
    static int library_loaded(void) { return load_error_function() == NULL; }                           \
    FUNCTIONS(TUTOR_LAZY_DEFINE_FUNCTION, TUTOR_LAZY_DEFINE_PROCEDURE, TUTOR_LAZY_NOTHING)

#define TUTOR_LAZY_SLOT(type, name, parameters, ...) type(*name) parameters;
#define TUTOR_LAZY_NAME(type, name, ...) #name,
#define TUTOR_LAZY_NOTHING(...)
#define TUTOR_LAZY_DEFINE_FUNCTION(type, name, parameters, arguments, failure)            \
    __attribute__((visibility("hidden"))) type name parameters {                          \
        return library_loaded() ? library.name arguments : failure;                       \
    }
#define TUTOR_LAZY_DEFINE_PROCEDURE(type, name, parameters, arguments)                    \
    __attribute__((visibility("hidden"))) type name parameters {                          \
        if (library_loaded()) library.name arguments;                                     \
    }

#endif
