#include "CLazyLibrary.h"

#include <dlfcn.h>
#include <stdio.h>

const char *tutor_lazy_library_load(
    const char *soname, const char *const names[], void *slots[], size_t count,
    char *error, size_t error_size) {
    void *library = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(error, error_size, "%s", dlerror());
        return error;
    }
    for (size_t index = 0; index < count; index++) {
        dlerror();
        slots[index] = dlsym(library, names[index]);
        if (slots[index] == NULL) {
            snprintf(error, error_size, "%s has no function %s", soname, names[index]);
            return error;
        }
    }
    return NULL;
}
