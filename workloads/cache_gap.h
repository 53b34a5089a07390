/*
 * cache_gap.h — what a pause of the work costs its caches on this machine.
 *
 * On the second VM of docs/design.md section 8 ("on a faster VM") a
 * buffer that nothing touched for 8 ms, while its thread spun on its own
 * CPU, was read 1.7-1.9x slower than the same buffer read back to back:
 * the host's other work evicts it. Bench's workloads never leave their
 * heap for that long; the window's and the videos' measured runs leave it
 * every frame while the other side takes its turn, so on such a machine
 * their increments read slower than bench's. cache_gap measures it, for
 * `build/cpuprobe` and for the summary of `view --passes` and `record
 * --passes`.
 */
#ifndef TRICOLOR_CACHE_GAP_H
#define TRICOLOR_CACHE_GAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* On the calling thread's CPU: reads a resident buffer of `bytes` one
 * load per 64-byte line, `passes` times back to back and `passes` times
 * each after a spin of gap_ns that touches no memory, and sets the median
 * pass time of each (ns). False (both 0) when bytes or passes is 0 or
 * the buffer cannot be had. */
bool cache_gap(size_t bytes, uint64_t gap_ns, unsigned passes, uint64_t *back_to_back_ns, uint64_t *after_gap_ns);

#endif
