/*
 * page_warm.h — reads once from each resident page of a process's private
 * anonymous memory, so that the first access to a page in a measured turn
 * costs what it costs in bench.
 *
 * Why: Boehm's feed child (feed.c) blocks between its turns while
 * Tricolor's slice and the drawing use the CPU. On the VMs of
 * docs/design.md section 8 each turn then paid again for the first access
 * to each page it touched, and thousands of allocations that take just
 * under 1 us in bench crossed the 1 us at which a pause is logged. On
 * GCBench (--passes 2, six alternating window runs each) the window
 * logged 11,100 Boehm pauses (median) with a p50 of 10.3 us without this,
 * and 8,300 with a p50 of 11.1 us with it; bench logs 7,000-8,000 with a
 * p50 of 11.0 us. A variant that made the same system calls (maps,
 * mincore) without the loads changed nothing, so it is the first access
 * to each page. The read costs about 130 ns a page at the turn's start
 * (7,000-7,400 pages in 0.9-1.0 ms on GCBench; the --passes summary says
 * how many and how long), where a page read again right away costs a few
 * ns: the TLB and page-table state the other side's turn displaced. That
 * time is the viewer's wait, outside Boehm's execution time.
 *
 * Only for a process whose mappings no other thread unmaps meanwhile (the
 * feed child has one thread): a page unmapped between the listing and the
 * load would fault.
 */
#ifndef TRICOLOR_PAGE_WARM_H
#define TRICOLOR_PAGE_WARM_H

#include <stddef.h>
#include <stdint.h>

/* Reads each resident page of the process's private, writable, anonymous
 * mappings once, stopping once budget_ns have passed (checked every 256
 * pages); returns the pages read. */
size_t page_warm(uint64_t budget_ns);

#endif
