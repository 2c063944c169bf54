// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include "CSysShims.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
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

static volatile sig_atomic_t signal_pipe_fd = -1;

static void forward_signal(int signo)
{
	int saved = errno;
	unsigned char byte = (unsigned char)signo;

	if (signal_pipe_fd >= 0)
		(void)!write(signal_pipe_fd, &byte, 1);
	errno = saved;
}

int csys_route_termination_signals(int write_fd)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction action;
	sigset_t set;
	size_t i;

	signal_pipe_fd = write_fd;
	memset(&action, 0, sizeof(action));
	action.sa_handler = forward_signal;
	action.sa_flags = SA_RESTART;
	sigemptyset(&action.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (sigaction(signals[i], &action, NULL) != 0)
			return errno;
		sigaddset(&set, signals[i]);
	}
	return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void csys_restore_termination_signals(void)
{
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal_pipe_fd = -1;
}
