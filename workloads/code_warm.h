/*
 * code_warm.h — maps in the code of the calling process before a run is
 * timed.
 *
 * A forked child inherits none of its parent's page-table entries for
 * file-backed code (Linux fills them on fault), so the first time a run
 * executes a 4 KiB page of the program's or a library's code, that
 * instruction fetch faults. perf saw it inside the collector's increments
 * (a page of tc__sweep, twice in some runs of binary-trees and churn), and
 * the same would land in Boehm's first collections. A long-running program
 * pays that once, at its start; a benchmark should not measure it. So
 * the bench child, on either collector, maps its code in first.
 */
#ifndef TRICOLOR_CODE_WARM_H
#define TRICOLOR_CODE_WARM_H

#include <stddef.h>

/* Maps in every executable segment of every loaded object; returns the
 * bytes covered. */
size_t code_warm(void);

#endif
