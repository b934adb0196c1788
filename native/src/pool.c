// Thread pool: workers spin a while for the next job (kernels come in quick succession), then sleep on a condvar.
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

/*
 * Polling before a worker goes to sleep: about 0.5 ms on Zen 4 (25 ns a pause). A sleeping worker costs a futex wake
 * per kernel, slow under a hypervisor; with 2,000 polls (50 us) a bert-small predict pass of batch 32 made ~220 futex
 * calls and the caller yielded ~190 times waiting for the woken worker, against ~80 and ~9 with 20,000 (strace -c).
 */
#define SPIN_ITERATIONS 20000
/* With OpenBLAS threading itself (FINETUNE_GEMM_THREADING=blas) its threads need the cores between our jobs. */
#define SHORT_SPIN_ITERATIONS 2000
static atomic_int spin_iterations = SPIN_ITERATIONS;

void ft_pool_set_short_spin(int short_spin) { atomic_store(&spin_iterations, short_spin ? SHORT_SPIN_ITERATIONS : SPIN_ITERATIONS); }

/*
 * The job word packs a sequence number (high bits) and the job's part count (low 16 bits), so a worker
 * that is not part of a job reads a consistent part count without a lock.
 */
#define PARTS_BITS 16
#define PARTS_MASK ((1u << PARTS_BITS) - 1)

static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
/* One parallel_for at a time (several Node environments may share the addon). */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t workers[FT_MAX_THREADS];
static int worker_count = -1; /* -1: not started yet */
static atomic_uint_fast64_t job_word;
static atomic_int sleepers;
static atomic_int pending;
static atomic_int stopping;
static ft_range_fn job_fn;
static void *job_ctx;
static int64_t job_total;

static void run_part(int part, int parts) {
  int64_t begin = job_total * part / parts;
  int64_t end = job_total * (part + 1) / parts;
  if (end > begin) job_fn(job_ctx, begin, end, part);
}

/* The job word when each worker was started: a worker that reads it only once running could miss a job (or a stop). */
static uint_fast64_t word_at_start[FT_MAX_THREADS];

static void *worker_main(void *arg) {
  int index = (int)(intptr_t)arg;
  uint_fast64_t seen = word_at_start[index];
  for (;;) {
    uint_fast64_t word;
    int spins = 0;
    const int spin_limit = atomic_load_explicit(&spin_iterations, memory_order_relaxed);
    while ((word = atomic_load_explicit(&job_word, memory_order_acquire)) == seen) {
      if (++spins < spin_limit) {
        CPU_RELAX();
        continue;
      }
      pthread_mutex_lock(&sleep_lock);
      atomic_fetch_add(&sleepers, 1);
      while ((word = atomic_load(&job_word)) == seen) pthread_cond_wait(&wake, &sleep_lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&sleep_lock);
      break;
    }
    seen = word;
    if (atomic_load(&stopping)) return NULL;
    int parts = (int)(word & PARTS_MASK);
    if (index < parts) {
      run_part(index, parts);
      atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
    }
  }
}

static void publish(int parts) {
  uint_fast64_t next = ((atomic_load(&job_word) >> PARTS_BITS) + 1) << PARTS_BITS | (uint_fast64_t)parts;
  atomic_store(&job_word, next);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
}

static void stop_workers(void) {
  if (worker_count <= 0) return;
  atomic_store(&stopping, 1);
  publish(0);
  for (int i = 1; i <= worker_count; i++) pthread_join(workers[i], NULL);
  atomic_store(&stopping, 0);
  worker_count = 0;
}

static void start_workers(int threads) {
  worker_count = 0;
  for (int i = 1; i < threads; i++) {
    word_at_start[i] = atomic_load(&job_word);
    if (pthread_create(&workers[i], NULL, worker_main, (void *)(intptr_t)i) != 0) break;
    worker_count = i;
  }
}

static int default_threads(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus > FT_MAX_THREADS ? FT_MAX_THREADS : (int)cpus;
}

static void ensure_started(void) {
  if (worker_count < 0) start_workers(default_threads());
}

int ft_threads(void) {
  pthread_mutex_lock(&job_lock);
  ensure_started();
  int threads = worker_count + 1;
  pthread_mutex_unlock(&job_lock);
  return threads;
}

void ft_set_threads(int threads) {
  if (threads < 1) threads = 1;
  if (threads > FT_MAX_THREADS) threads = FT_MAX_THREADS;
  pthread_mutex_lock(&job_lock);
  if (worker_count + 1 != threads) {
    stop_workers();
    start_workers(threads);
  }
  pthread_mutex_unlock(&job_lock);
}

int ft_parts(int64_t total, int64_t grain) {
  int threads = ft_threads();
  int64_t parts = grain > 0 ? total / grain : total;
  if (parts > threads) parts = threads;
  return parts < 1 ? 1 : (int)parts;
}

void ft_parallel_for(int64_t total, int64_t grain, ft_range_fn fn, void *ctx) {
  if (total <= 0) return;
  int parts = ft_parts(total, grain);
  /* Small jobs, or a pool busy with another environment's job, run on the calling thread. */
  if (parts <= 1 || pthread_mutex_trylock(&job_lock) != 0) {
    fn(ctx, 0, total, 0);
    return;
  }
  if (parts > worker_count + 1) parts = worker_count + 1;
  job_fn = fn;
  job_ctx = ctx;
  job_total = total;
  atomic_store(&pending, parts - 1);
  publish(parts);
  run_part(0, parts);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    if (++spins < SHORT_SPIN_ITERATIONS * 10) CPU_RELAX();
    else sched_yield();
  }
  pthread_mutex_unlock(&job_lock);
}
