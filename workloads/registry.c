/*
 * registry.c — the table of workloads (see registry.h).
 */
#include "registry.h"

#include <string.h>

#define DECLARE(name, user_name, desc, min_heap)                                                                       \
    uint64_t wl_##name##_tricolor(struct mut *m, int size, uint64_t seed);                                             \
    uint64_t wl_##name##_boehm(struct mut *m, int size, uint64_t seed);
WL_LIST(DECLARE)
#undef DECLARE

#define ENTRY(name, user_name, desc, min_heap) {user_name, desc, wl_##name##_tricolor, wl_##name##_boehm, min_heap},
const wl_info wl_table[] = {WL_LIST(ENTRY)};
#undef ENTRY
const size_t wl_count = sizeof wl_table / sizeof wl_table[0];

const char *const wl_size_names[3] = {"small", "default", "large"};

const wl_info *wl_find(const char *name) {
    for (size_t i = 0; i < wl_count; i++)
        if (name && strcmp(wl_table[i].name, name) == 0) return &wl_table[i];
    return NULL;
}

const char *wl_names(void) {
    static char buf[512];
    if (!buf[0]) {
        for (size_t i = 0; i < wl_count; i++) {
            if (i) strncat(buf, ", ", sizeof buf - strlen(buf) - 1);
            strncat(buf, wl_table[i].name, sizeof buf - strlen(buf) - 1);
        }
    }
    return buf;
}

int wl_size_parse(const char *s) {
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, wl_size_names[i]) == 0) return i;
    return -1;
}
