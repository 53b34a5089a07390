/*
 * test_code_warm.c — code_warm maps in the calling process's code
 * (workloads/code_warm.h), as bench's children rely on.
 *
 * The check reads /proc/self/pagemap (bit 63: the page is present in the
 * page table) for a page of the code segment that nothing executes, in a
 * forked child: fork copies no page-table entries of file-backed code, so the
 * page starts absent there and must be present after code_warm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "code_warm.h"

/* A megabyte of the program's code segment that nothing runs: a page
 * beside code that runs may be mapped in with it (the kernel maps a
 * fault's neighbours already in the page cache), so the page looked at is
 * in the middle of it. */
__attribute__((used, section(".text.never_run"), aligned(4096))) const unsigned char never_run_block[1 << 20] = {1};

/* 1: present, 0: absent, -1: pagemap unreadable. */
static int page_present(const void *addr) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0) return -1;
    uint64_t entry = 0;
    off_t at = (off_t)((uintptr_t)addr / 4096 * sizeof entry);
    ssize_t n = pread(fd, &entry, sizeof entry, at);
    close(fd);
    if (n != (ssize_t)sizeof entry) return -1;
    return (int)(entry >> 63);
}

static void test_code_warm_maps_in_unrun_code(void **state) {
    (void)state;
    const void *page = never_run_block + sizeof never_run_block / 2;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int before = page_present(page);
        size_t covered = code_warm();
        int after = page_present(page);
        /* 2: pagemap unreadable here; 3: the page was in already, so
         * this run proves nothing; 4: code_warm left it out. */
        _exit(before < 0 ? 2 : before == 1 ? 3 : (after == 1 && covered > 0) ? 0 : 4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 2 || WEXITSTATUS(status) == 3) skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_warm_maps_in_unrun_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
