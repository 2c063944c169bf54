// SPDX-License-Identifier: Apache-2.0
// SPDX-FileCopyrightText: livevoiced contributors
//
// rtcheck: an LD_PRELOAD library that counts what the audio engine's real-time threads must never do on
// their hot path: heap calls (malloc, free, ...), lock calls (pthread mutexes, rwlocks, condition
// variables) and writes to standard output or error (logging). A thread is watched from the moment it
// names itself with one of the names in RTCHECK_THREADS (default "lv-capture,lv-playback"), and counted
// only after RTCHECK_WARMUP_MS (default 1000) more, so start-up (opening devices, first-use runtime
// metadata) is left out and everything after it, xrun recovery included, counts; RTCHECK_WINDOW_MS ends
// the count that long after the warm-up (so a run's shutdown, which closes the devices, is left out too).
// alsa-lib takes a mutex of its own inside most snd_pcm_* calls (its thread-safe mode); those are counted
// apart, with how many found the mutex held by another thread (contended: that would block the thread).
// At exit it prints one line per watched name to standard error:
//   rtcheck: lv-capture: 0 heap, 0 lock, 0 stdio calls in 5.00 s after warm-up (alsa-lib: 500
//   reads/writes, 0 xrun recoveries, 1500 per-PCM locks, 0 contended)
// The reads/writes show the thread was really watched doing its work.
// RTCHECK_BACKTRACE=N prints the stacks of the first N counted calls (backtrace_symbols_fd: no malloc),
// RTCHECK_BACKTRACE_KINDS=heap,lock,stdio,contended which kinds (default all).
// Used by scripts/board-test (real drivers) and scripts/bench-audio.
//
// Build: gcc -shared -fPIC -O2 -o rtcheck.so rtcheck.c -ldl -lpthread
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_NAMES = 8, HEAP = 0, LOCK = 1, STDIO = 2, ALSA_LOCK = 3, CONTENDED = 4, ALSA_IO = 5, RECOVER = 6, KINDS = 7 };

static char names[MAX_NAMES][16];
static int name_count;
static long warmup_ns = 1000000000L;
static long window_ns = 0;  // 0: count until exit
static atomic_int backtraces_left;
static int backtrace_kinds = 0x17;  // bit per kind (RTCHECK_BACKTRACE_KINDS); not alsa-lib's uncontended locks
static atomic_long counts[MAX_NAMES][KINDS];
static atomic_long first_counted_ns[MAX_NAMES];

// Per thread: which watched name it has (-1: none) and when counting starts.
static __thread int watched = -1;
static __thread long counting_from_ns;
static __thread long counting_until_ns;
static __thread int inside;  // our own calls (backtrace, dlsym) are not the thread's

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static long now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

__attribute__((constructor)) static void rtcheck_init(void) {
	const char *list = getenv("RTCHECK_THREADS");
	if (!list || !*list) list = "lv-capture,lv-playback";
	const char *p = list;
	while (*p && name_count < MAX_NAMES) {
		size_t n = strcspn(p, ",");
		if (n > 15) n = 15;
		memcpy(names[name_count], p, n);
		names[name_count][n] = 0;
		name_count++;
		p += n;
		if (*p == ',') p++;
	}
	const char *w = getenv("RTCHECK_WARMUP_MS");
	if (w) warmup_ns = atol(w) * 1000000L;
	const char *x = getenv("RTCHECK_WINDOW_MS");
	if (x) window_ns = atol(x) * 1000000L;
	const char *b = getenv("RTCHECK_BACKTRACE");
	atomic_store(&backtraces_left, b ? atoi(b) : 0);
	const char *k = getenv("RTCHECK_BACKTRACE_KINDS");
	if (k) backtrace_kinds = (strstr(k, "heap") ? 1 << HEAP : 0) | (strstr(k, "lock") ? 1 << LOCK : 0) |
	                         (strstr(k, "stdio") ? 1 << STDIO : 0) | (strstr(k, "contended") ? 1 << CONTENDED : 0);
}

static void count(int kind) {
	if (watched < 0 || inside) return;
	long t = now_ns();
	if (t < counting_from_ns || (window_ns && t >= counting_until_ns)) return;
	atomic_fetch_add(&counts[watched][kind], 1);
	if ((backtrace_kinds & (1 << kind)) && atomic_fetch_sub(&backtraces_left, 1) > 0) {
		inside = 1;
		void *frames[32];
		int n = backtrace(frames, 32);
		static const char *kinds[] = {"heap", "lock", "stdio", "alsa-lib lock", "contended lock", "alsa-lib I/O",
		                              "xrun recovery"};
		char line[96];
		int len = snprintf(line, sizeof line, "rtcheck: %s call on %s:\n", kinds[kind], names[watched]);
		write(2, line, len);
		backtrace_symbols_fd(frames, n, 2);
		inside = 0;
	}
}

// The thread names itself: start watching it if the name is on the list.
int pthread_setname_np(pthread_t thread, const char *name) {
	static int (*real)(pthread_t, const char *);
	if (!real) real = (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
	if (pthread_equal(thread, pthread_self())) {
		for (int i = 0; i < name_count; i++) {
			if (strncmp(name, names[i], 15) == 0) {
				watched = i;
				counting_from_ns = now_ns() + warmup_ns;
				counting_until_ns = counting_from_ns + window_ns;
				long expected = 0;
				atomic_compare_exchange_strong(&first_counted_ns[i], &expected, counting_from_ns);
			}
		}
	}
	return real(thread, name);
}

void *malloc(size_t size) { count(HEAP); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(HEAP); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(HEAP); return __libc_realloc(p, size); }
void free(void *p) { if (p) count(HEAP); __libc_free(p); }
void *memalign(size_t alignment, size_t size) { count(HEAP); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(HEAP); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
	count(HEAP);
	void *p = __libc_memalign(alignment, size);
	if (!p) return 12;  // ENOMEM
	*out = p;
	return 0;
}

// Where a lock call comes from: alsa-lib takes its own per-PCM mutex inside most snd_pcm_* calls
// (thread-safe mode); that one is counted apart, since it is never contended when one thread owns the PCM.
static int caller_is_alsa(const void *address) {
	Dl_info info;
	inside++;
	int found = dladdr(address, &info);
	inside--;
	return found && info.dli_fname && strstr(info.dli_fname, "libasound");
}

static void count_lock(const void *caller) {
	if (watched < 0 || inside) return;
	count(caller_is_alsa(caller) ? ALSA_LOCK : LOCK);
}

#define REAL(ret, name, params)                                                 \
	static ret (*real) params;                                                \
	if (!real) {                                                              \
		inside++;                                                             \
		real = (ret(*) params)dlsym(RTLD_NEXT, #name);                        \
		inside--;                                                             \
	}

// A watched thread's mutex_lock first tries the lock, so that waiting for another thread shows.
int pthread_mutex_lock(pthread_mutex_t *m) {
	REAL(int, pthread_mutex_lock, (pthread_mutex_t *))
	if (watched < 0 || inside) return real(m);
	count_lock(__builtin_return_address(0));
	static int (*try)(pthread_mutex_t *);
	if (!try) try = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_trylock");
	if (try(m) == 0) return 0;
	count(CONTENDED);
	return real(m);
}

#define FORWARD(ret, name, params, args)                                        \
	ret name params {                                                         \
		REAL(ret, name, params)                                               \
		count_lock(__builtin_return_address(0));                              \
		return real args;                                                     \
	}

FORWARD(int, pthread_mutex_trylock, (pthread_mutex_t * m), (m))
FORWARD(int, pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
FORWARD(int, pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
FORWARD(int, pthread_cond_wait, (pthread_cond_t * c, pthread_mutex_t *m), (c, m))
FORWARD(int, pthread_cond_timedwait, (pthread_cond_t * c, pthread_mutex_t *m, const struct timespec *t), (c, m, t))

ssize_t write(int fd, const void *buffer, size_t length) {
	static ssize_t (*real)(int, const void *, size_t);
	if (!real) {
		inside++;
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
		inside--;
	}
	if (fd == 1 || fd == 2) count(STDIO);
	return real(fd, buffer, length);
}

// stdio (Swift's print goes through fwrite); glibc's own internal writes do not pass through write() above.
size_t fwrite(const void *buffer, size_t size, size_t n, FILE *stream) {
	static size_t (*real)(const void *, size_t, size_t, FILE *);
	if (!real) {
		inside++;
		real = (size_t(*)(const void *, size_t, size_t, FILE *))dlsym(RTLD_NEXT, "fwrite");
		inside--;
	}
	if (stream == stdout || stream == stderr) count(STDIO);
	return real(buffer, size, n, stream);
}

int fputs(const char *text, FILE *stream) {
	static int (*real)(const char *, FILE *);
	if (!real) {
		inside++;
		real = (int (*)(const char *, FILE *))dlsym(RTLD_NEXT, "fputs");
		inside--;
	}
	if (stream == stdout || stream == stderr) count(STDIO);
	return real(text, stream);
}

// alsa-lib's I/O and recovery calls, counted as evidence of what the thread did in the window (and that
// this library really watched it).
typedef struct _snd_pcm snd_pcm_t;

#define FORWARD_ALSA(kind, ret, name, params, args)                             \
	ret name params {                                                         \
		REAL(ret, name, params)                                               \
		count(kind);                                                          \
		return real args;                                                     \
	}

FORWARD_ALSA(ALSA_IO, long, snd_pcm_readi, (snd_pcm_t * pcm, void *buffer, unsigned long frames), (pcm, buffer, frames))
FORWARD_ALSA(ALSA_IO, long, snd_pcm_writei, (snd_pcm_t * pcm, const void *buffer, unsigned long frames), (pcm, buffer, frames))
FORWARD_ALSA(RECOVER, int, snd_pcm_recover, (snd_pcm_t * pcm, int error, int silent), (pcm, error, silent))

// The report: counts per watched name, and for how long counting ran (from the first thread's warm-up end
// to exit).
__attribute__((destructor)) static void rtcheck_report(void) {
	long end = now_ns();
	for (int i = 0; i < name_count; i++) {
		long from = atomic_load(&first_counted_ns[i]);
		char line[256];
		int len;
		if (from == 0) {
			len = snprintf(line, sizeof line, "rtcheck: %s: never started\n", names[i]);
		} else {
			long until = window_ns && from + window_ns < end ? from + window_ns : end;
			double seconds = from < until ? (until - from) / 1e9 : 0;
			len = snprintf(line, sizeof line,
			               "rtcheck: %s: %ld heap, %ld lock, %ld stdio calls in %.2f s after warm-up "
			               "(alsa-lib: %ld reads/writes, %ld xrun recoveries, %ld per-PCM locks, %ld contended)\n",
			               names[i], atomic_load(&counts[i][HEAP]), atomic_load(&counts[i][LOCK]),
			               atomic_load(&counts[i][STDIO]), seconds, atomic_load(&counts[i][ALSA_IO]),
			               atomic_load(&counts[i][RECOVER]), atomic_load(&counts[i][ALSA_LOCK]),
			               atomic_load(&counts[i][CONTENDED]));
		}
		inside = 1;
		write(2, line, len);
	}
}
