/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System calls and macros Swift cannot use directly from Glibc: CPU_SET/CPU_ZERO are macros,
 * and struct sched_param is easier to fill in C. Every function has the csys_ prefix.
 */
#ifndef CSYSSHIMS_H
#define CSYSSHIMS_H

#include <stdint.h>

/* Ask for SCHED_FIFO at the given priority for the calling thread. Returns 0 or an errno value. */
int csys_set_realtime_priority(int priority);

/* Pin the calling thread to one CPU. Returns 0 or an errno value. */
int csys_set_cpu_affinity(int cpu);

/* Name the calling thread (at most 15 characters are kept). Returns 0 or an errno value. */
int csys_set_thread_name(const char *name);

/* Lock current and future pages in RAM. Returns 0 or an errno value. */
int csys_lock_memory(void);

/* A non-blocking, close-on-exec eventfd. Returns the descriptor or -errno. */
int csys_eventfd(void);

/* Add one to an eventfd's counter (wakes a poller). Returns 0 or an errno value. */
int csys_eventfd_signal(int fd);

/* Reset an eventfd's counter to zero. Returns 0 or an errno value (EAGAIN when already zero). */
int csys_eventfd_drain(int fd);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t csys_monotonic_ns(void);

/*
 * Route SIGTERM, SIGINT and SIGHUP to a pipe: the handler writes the signal number (one byte) to
 * write_fd, which is async-signal-safe, and the daemon reads it from an ordinary thread. The signals are
 * also unblocked in the calling thread, because a process started from a thread that blocks them
 * (Dispatch's do) inherits that mask. Returns 0 or an errno value.
 */
int csys_route_termination_signals(int write_fd);

/* Restore the default disposition of those signals. */
void csys_restore_termination_signals(void);

#endif /* CSYSSHIMS_H */
