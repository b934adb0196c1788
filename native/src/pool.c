// Thread pool: workers spin a while for the next job (kernels come in quick succession), then sleep on a condvar.
#ifdef __linux__
#define _GNU_SOURCE /* sched_getcpu, pthread_setaffinity_np */
#endif
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
 * The job word packs the job's sequence number (high 32 bits), its part count (bits 16-31) and how many of its parts
 * have been claimed (low 16 bits). Parts go to whichever thread claims them first, the caller included, so a worker
 * that wakes late (a sleeping thread, a vCPU the hypervisor has not scheduled yet) costs no more than running its
 * part on the caller: without this, a 2-thread product after an idle spell took up to 1.6x its 1-thread time.
 */
#define FIELD_BITS 16
#define FIELD_MASK ((1u << FIELD_BITS) - 1)
#define WORD_SEQUENCE(w) ((w) >> 2 * FIELD_BITS)
#define WORD_PARTS(w) ((int)(((w) >> FIELD_BITS) & FIELD_MASK))
#define WORD_CLAIMED(w) ((int)((w) & FIELD_MASK))

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

/*
 * Linux often wakes a sleeping worker on the CPU of the thread that woke it, the caller's, where it waits behind the
 * caller or shares its core: under `bench/gemm-rest.mjs 2` a worker woken there first ran 1-4 ms after the job was
 * posted, and a 1024 x 768 x 768 product after a rest took 7-8 ms, more than the 5.8 ms of one thread. So a worker
 * sleeps barred from the last caller's CPU (its wake-up lands elsewhere), and one that finds itself on the caller's CPU
 * when a job starts moves off it; either way it then gets its own CPU mask back and may run anywhere it could before.
 */
#ifdef __linux__
static atomic_int caller_cpu = -1;

static void note_caller_cpu(void) { atomic_store_explicit(&caller_cpu, sched_getcpu(), memory_order_relaxed); }

/* Narrows this thread's CPU mask to exclude the last caller's CPU (moving it off that CPU); 1 if done, `own` the old mask. */
static int bar_caller_cpu(cpu_set_t *own) {
  int caller = atomic_load_explicit(&caller_cpu, memory_order_relaxed);
  if (caller < 0 || caller >= CPU_SETSIZE || pthread_getaffinity_np(pthread_self(), sizeof *own, own) != 0) return 0;
  cpu_set_t others = *own;
  CPU_CLR(caller, &others);
  return CPU_COUNT(&others) > 0 && pthread_setaffinity_np(pthread_self(), sizeof others, &others) == 0;
}

static void restore_cpus(int barred, const cpu_set_t *own) {
  if (barred) pthread_setaffinity_np(pthread_self(), sizeof *own, own);
}

static void leave_caller_cpu(void) {
  if (sched_getcpu() != atomic_load_explicit(&caller_cpu, memory_order_relaxed)) return;
  cpu_set_t own;
  restore_cpus(bar_caller_cpu(&own), &own);
}
#else
typedef int cpu_set_t;
static void note_caller_cpu(void) {}
static int bar_caller_cpu(cpu_set_t *own) { (void)own; return 0; }
static void restore_cpus(int barred, const cpu_set_t *own) { (void)barred; (void)own; }
static void leave_caller_cpu(void) {}
#endif

static void run_part(int part, int parts) {
  int64_t begin = job_total * part / parts;
  int64_t end = job_total * (part + 1) / parts;
  if (end > begin) job_fn(job_ctx, begin, end, part);
}

/*
 * Claims the next unclaimed part of job `sequence`: its index, or -1 once all are claimed or a newer job is up. The job's
 * globals stay put until every claimed part is done, so a successful claim may read them.
 */
static int claim_part(uint_fast64_t sequence) {
  uint_fast64_t word = atomic_load_explicit(&job_word, memory_order_acquire);
  while (WORD_SEQUENCE(word) == sequence && WORD_CLAIMED(word) < WORD_PARTS(word)) {
    if (atomic_compare_exchange_weak_explicit(&job_word, &word, word + 1, memory_order_acq_rel, memory_order_acquire))
      return WORD_CLAIMED(word);
  }
  return -1;
}

/* Runs parts of job `sequence` until none is left unclaimed. */
static void run_claimed_parts(uint_fast64_t sequence, int parts) {
  for (int part; (part = claim_part(sequence)) >= 0;) {
    run_part(part, parts);
    atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
  }
}

/* The job word when each worker was started: a worker that reads it only once running could miss a job (or a stop). */
static uint_fast64_t word_at_start[FT_MAX_THREADS];

static void *worker_main(void *arg) {
  int index = (int)(intptr_t)arg;
  uint_fast64_t seen = WORD_SEQUENCE(word_at_start[index]);
  for (;;) {
    uint_fast64_t word;
    int spins = 0;
    const int spin_limit = atomic_load_explicit(&spin_iterations, memory_order_relaxed);
    while (WORD_SEQUENCE(word = atomic_load_explicit(&job_word, memory_order_acquire)) == seen) {
      if (++spins < spin_limit) {
        CPU_RELAX();
        continue;
      }
      cpu_set_t own;
      int barred = bar_caller_cpu(&own);
      pthread_mutex_lock(&sleep_lock);
      atomic_fetch_add(&sleepers, 1);
      while (WORD_SEQUENCE(word = atomic_load(&job_word)) == seen) pthread_cond_wait(&wake, &sleep_lock);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&sleep_lock);
      restore_cpus(barred, &own);
      break;
    }
    seen = WORD_SEQUENCE(word);
    if (atomic_load(&stopping)) return NULL;
    /* Only the first `parts - 1` workers are meant for a job; the others stay out of the caches it uses. */
    if (index < WORD_PARTS(word)) {
      leave_caller_cpu();
      run_claimed_parts(seen, WORD_PARTS(word));
    }
  }
}

/* Publishes a job of `parts` parts with the first `claimed` of them already taken by the caller. */
static uint_fast64_t publish(int parts, int claimed) {
  note_caller_cpu();
  uint_fast64_t sequence = WORD_SEQUENCE(atomic_load(&job_word)) + 1;
  atomic_store(&job_word, sequence << 2 * FIELD_BITS | (uint_fast64_t)parts << FIELD_BITS | (uint_fast64_t)claimed);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&sleep_lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
  }
  return sequence;
}

static void stop_workers(void) {
  if (worker_count <= 0) return;
  atomic_store(&stopping, 1);
  publish(0, 0);
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

/* Runs [0, total) as `parts` ranges on the pool; the caller takes part 0 and then whatever is still unclaimed. */
static void run_parts(int64_t total, int parts, ft_range_fn fn, void *ctx) {
  /* One part, or a pool busy with another environment's job: all on the calling thread. */
  if (parts <= 1 || pthread_mutex_trylock(&job_lock) != 0) {
    fn(ctx, 0, total, 0);
    return;
  }
  ensure_started();
  if (worker_count < 1) {
    pthread_mutex_unlock(&job_lock);
    fn(ctx, 0, total, 0);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_total = total;
  atomic_store(&pending, parts);
  uint_fast64_t sequence = publish(parts, 1);
  run_part(0, parts);
  atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
  run_claimed_parts(sequence, parts);
  int spins = 0;
  while (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    if (++spins < SHORT_SPIN_ITERATIONS * 10) CPU_RELAX();
    else sched_yield();
  }
  pthread_mutex_unlock(&job_lock);
}

void ft_parallel_for(int64_t total, int64_t grain, ft_range_fn fn, void *ctx) {
  if (total <= 0) return;
  int parts = ft_parts(total, grain);
  run_parts(total, parts, fn, ctx);
}

void ft_parallel_chunks(int64_t total, int64_t wanted, ft_range_fn fn, void *ctx) {
  if (total <= 0) return;
  if (wanted < 1) wanted = 1;
  /* Under two chunks' worth, a second thread is not worth waking (ft_parallel_for's rule for its grain). */
  if (total < 2 * wanted) {
    fn(ctx, 0, total, 0);
    return;
  }
  int threads = ft_threads();
  /* A multiple of the thread count, then the size that gives it; the last chunk may come out shorter. */
  int64_t count = threads * ((total + threads * wanted - 1) / (threads * wanted));
  int64_t chunk = (total + count - 1) / count;
  int64_t chunks = (total + chunk - 1) / chunk;
  run_parts(total, chunks > FIELD_MASK ? (int)FIELD_MASK : (int)chunks, fn, ctx);
}
