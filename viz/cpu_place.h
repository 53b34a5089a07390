/*
 * cpu_place.h — which CPU each side of a live run uses: the measured runs
 * (Tricolor's mutator thread, Boehm's feed child) one CPU of their own,
 * the viewer, the renderer, ffmpeg and Tricolor's memory thread the rest.
 *
 * Turns (turns.h) already keep a measured slice from running at the same
 * time as anything else. Placement keeps it on the same CPU from one
 * slice to the next. Unpinned, the scheduler moved the workload thread
 * between the two vCPUs at hand-offs, and on the VMs of docs/design.md §8
 * the accesses after a move were slow enough to show: gcbench in the
 * window had 6-48 pauses a run over 200 us holding no collector work,
 * against 0-2 in bench. Pinned, Tricolor's max in `view --passes 2` was
 * 0.22, 0.38 and 1.2 ms in three runs, against 0.89, 2.0 and 4.7 ms.
 *
 * On a machine with one CPU (or where affinity cannot be set) nothing is
 * pinned and everything shares it, in turns.
 */
#ifndef TRICOLOR_CPU_PLACE_H
#define TRICOLOR_CPU_PLACE_H

#include <stdbool.h>

/* The CPU the measured runs share (they take turns on it): the last CPU
 * the process was allowed when first asked; -1 if it has only one. */
int place_measured_cpu(void);
/* Pins the calling thread to `cpu` and raises it to real-time priority
 * (place_realtime); no-op when cpu is negative (no measured CPU). */
void place_measured_on(int cpu);
/* place_measured_on(place_measured_cpu()). */
void place_as_measured(void);
/* Best effort: puts the calling thread in SCHED_FIFO at priority 1, the
 * lowest real-time one, so that no thread of the normal class (the
 * kernel's own included) preempts a measured slice: on the VMs of
 * docs/design.md section 8 the scheduler placed kdamond on the measured
 * CPU, beside an idle one, and it took 3.7-4 ms out of the middle of
 * slices in `record`. Nothing else at real-time priority runs there. The
 * measured threads are real-time only while they run a slice or sleep:
 * the workload thread's spin between slices runs at normal priority
 * (place_realtime_spin). Without permission (not root, RLIMIT_RTPRIO 0)
 * the thread stays as it was; the outcome is kept for place_priority.
 * Only for a thread placed on the measured CPU: on a machine with one CPU
 * the drawing needs it too. */
void place_realtime(void);
/* For a thread place_realtime raised: drops it to the normal class
 * while it spins between slices (true), and raises it again (false). A
 * spin at real-time priority would starve the normal class on that CPU,
 * and the kernel answers a starved normal class by taking the CPU for up
 * to 50 ms at once (its fair server): at SCHED_FIFO throughout, bench's
 * lru and churn had maxima of about 52 ms. */
void place_realtime_spin(bool spinning);
/* What place_realtime achieved in this process: 1 real-time, 0 refused
 * (errno's text in why), -1 never tried. */
int place_priority(const char **why);
/* Pins the calling thread to every allowed CPU but the measured one;
 * threads and children it starts afterwards inherit that. */
void place_as_viewer(void);
/* Pins the calling thread to `cpu` (no-op when negative). */
void place_on(int cpu);
/* Lets the calling thread run on every CPU the process was allowed when
 * first asked: for the moment a collector is created, which counts the
 * CPUs it may use (live.c). */
void place_anywhere(void);

#endif
