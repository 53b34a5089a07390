/*
 * code_warm.c — maps in the calling process's code (code_warm.h).
 *
 * MADV_POPULATE_READ (Linux 5.14) fills the page-table entries of a
 * segment in one call; on an older kernel, which answers EINVAL, one load
 * per 4 KiB page does the same through read faults.
 */
#include "code_warm.h"

#include <link.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define WARM_PAGE 4096u

static int warm_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    size_t *covered = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_memsz == 0) continue;
        uintptr_t from = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(WARM_PAGE - 1);
        uintptr_t to = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + WARM_PAGE - 1) & ~(uintptr_t)(WARM_PAGE - 1);
        if (madvise((void *)from, to - from, MADV_POPULATE_READ) != 0)
            for (uintptr_t a = from; a < to; a += WARM_PAGE) (void)*(volatile const char *)a;
        *covered += to - from;
    }
    return 0;
}

size_t code_warm(void) {
    size_t covered = 0;
    dl_iterate_phdr(warm_object, &covered);
    return covered;
}
