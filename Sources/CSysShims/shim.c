// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "CSysShims.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int csys_set_realtime_priority(int priority)
{
	struct sched_param param = { .sched_priority = priority };

	return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
}

int csys_set_cpu_affinity(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int csys_set_thread_name(const char *name)
{
	char shortname[16];
	int i;

	for (i = 0; i < 15 && name[i]; i++)
		shortname[i] = name[i];
	shortname[i] = '\0';
	return pthread_setname_np(pthread_self(), shortname);
}

int csys_lock_memory(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		return errno;
	return 0;
}

int csys_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int csys_eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		return errno;
	return 0;
}

int csys_eventfd_drain(int fd)
{
	uint64_t value;

	if (read(fd, &value, sizeof(value)) != sizeof(value))
		return errno;
	return 0;
}

uint64_t csys_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
