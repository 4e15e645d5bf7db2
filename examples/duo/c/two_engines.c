/* Two engines in one C program: links libduo_engines.a (the probe engine and the
 * minimal example's counter, bundled), drives both through their prefixed exports
 * from several threads, stops one while the other runs, and checks that each
 * engine keeps its own schema fingerprint, counters and lifecycle. Exits 0 when
 * every check holds; prints the first failed check and exits 1 otherwise.
 * `just test-c` builds and runs it (part of `just test`). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OK = 0, NOT_INITIALISED = 1, PENDING = 11, COUNTERS = 14 };

typedef void (*notify_fn)(int, void *);
typedef void (*thread_done_fn)(void);

/* The two engines' exports: the same C ABI under two prefixes. */
#define DECLARE_ENGINE(prefix)                                                      \
  int prefix##_h2r_init(notify_fn, thread_done_fn, const uint8_t *, size_t);        \
  int prefix##_h2r_deinit(void);                                                    \
  int prefix##_h2r_call(const uint8_t *, size_t, void *, int, int, uint64_t,       \
                        uint64_t *);                                                \
  int prefix##_h2r_reply(uint64_t, const uint8_t **, size_t *);                     \
  int prefix##_h2r_release(uint64_t);                                               \
  int prefix##_h2r_stats(uint64_t *, size_t);                                       \
  int prefix##_h2r_schema_fingerprint(uint8_t *, size_t);
DECLARE_ENGINE(probe)
DECLARE_ENGINE(counter)

struct engine {
  const char *name;
  int (*init)(notify_fn, thread_done_fn, const uint8_t *, size_t);
  int (*deinit)(void);
  int (*call)(const uint8_t *, size_t, void *, int, int, uint64_t, uint64_t *);
  int (*reply)(uint64_t, const uint8_t **, size_t *);
  int (*release)(uint64_t);
  int (*stats)(uint64_t *, size_t);
  int (*fingerprint)(uint8_t *, size_t);
};

static const struct engine probe = {
    "probe",           probe_h2r_init,    probe_h2r_deinit,
    probe_h2r_call,    probe_h2r_reply,   probe_h2r_release,
    probe_h2r_stats,   probe_h2r_schema_fingerprint};
static const struct engine counter = {
    "counter",           counter_h2r_init,    counter_h2r_deinit,
    counter_h2r_call,    counter_h2r_reply,   counter_h2r_release,
    counter_h2r_stats,   counter_h2r_schema_fingerprint};

static void check(int holds, const char *what) {
  if (!holds) {
    fprintf(stderr, "two_engines: failed: %s\n", what);
    exit(1);
  }
}

/* Calls are polled (no token is given), so notify is never called. */
static void never_notified(int capability, void *token) {
  (void)capability;
  (void)token;
  fprintf(stderr, "two_engines: failed: a polled call was notified\n");
  exit(1);
}

/* The store encoding of InitMessage: the fingerprint as a Vec<u8> (a u64 length,
 * then the bytes), then Config (max_msg_len, spin_micros: u32 each), then the
 * start-up message as a Vec<u8> (both engines take `()`: a zero length), all
 * little-endian. */
static int start(const struct engine *engine) {
  uint8_t message[8 + 32 + 4 + 4 + 8] = {32};
  check(engine->fingerprint(message + 8, 32) == OK, "the fingerprint is readable");
  uint32_t max_msg_len = 4096, spin_micros = 0;
  memcpy(message + 40, &max_msg_len, 4);
  memcpy(message + 44, &spin_micros, 4);
  return engine->init(never_notified, NULL, message, sizeof message);
}

/* One call, polled for at most 10 s: its status, and its reply bytes in `out`. */
static int call(const struct engine *engine, const uint8_t *message, size_t len,
                uint8_t *out, size_t out_len) {
  uint64_t reply = 0;
  int status = engine->call(message, len, NULL, 0, 1, UINT64_MAX, &reply);
  if (status != OK) return status;
  const uint8_t *bytes = NULL;
  size_t got = 0;
  struct timespec pause = {0, 100000};
  for (int polls = 0; polls < 100000; polls++) {
    status = engine->reply(reply, &bytes, &got);
    if (status != PENDING) break;
    nanosleep(&pause, NULL);
  }
  check(status != PENDING, "a reply comes within 10 s");
  if (status == OK) {
    check(got == out_len, "the reply has the expected length");
    memcpy(out, bytes, got);
  }
  check(engine->release(reply) == OK, "a reply handle is released");
  return status;
}

/* A call whose request is `tag` and the number `n`, and whose reply is the same tag
 * and a number, written to `answer`. */
static int call_number(const struct engine *engine, uint8_t tag, uint64_t n,
                       uint64_t *answer) {
  uint8_t message[9] = {tag}, reply[9];
  memcpy(message + 1, &n, 8);
  int status = call(engine, message, sizeof message, reply, sizeof reply);
  if (status == OK) {
    check(reply[0] == tag, "a reply carries its request's tag");
    memcpy(answer, reply + 1, 8);
  }
  return status;
}

/* Probe: Echo(n) (tag 1) answers n. */
static int echo(uint64_t n, uint64_t *answer) {
  return call_number(&probe, 1, n, answer);
}

/* Counter: Add(n) (tag 0) answers the new total. */
static int add(uint64_t n, uint64_t *total) {
  return call_number(&counter, 0, n, total);
}

static uint64_t accepted(const struct engine *engine) {
  uint64_t counters[COUNTERS];
  check(engine->stats(counters, COUNTERS) == OK, "the counters are readable");
  return counters[0];
}

enum { THREADS = 8, CALLS = 500 };

/* Each thread calls both engines, in turn. */
static void *caller(void *arg) {
  uint64_t base = (uint64_t)(uintptr_t)arg * 1000000;
  for (uint64_t i = 0; i < CALLS; i++) {
    uint64_t answer = 0, total = 0;
    check(echo(base + i, &answer) == OK && answer == base + i, "Echo answers its number");
    check(add(1, &total) == OK && total >= 1, "Add answers a total");
  }
  return NULL;
}

int main(void) {
  uint8_t probe_print[32], counter_print[32];
  check(probe.fingerprint(probe_print, 32) == OK, "probe's fingerprint");
  check(counter.fingerprint(counter_print, 32) == OK, "counter's fingerprint");
  check(memcmp(probe_print, counter_print, 32) != 0, "each engine has its own schema");

  uint64_t probe_before = accepted(&probe), counter_before = accepted(&counter);
  check(start(&probe) == OK, "probe starts");
  check(start(&counter) == OK, "counter starts beside it");

  pthread_t threads[THREADS];
  for (uintptr_t t = 0; t < THREADS; t++)
    check(pthread_create(&threads[t], NULL, caller, (void *)t) == 0, "a thread starts");
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

  uint64_t total = 0;
  check(add(0, &total) == OK && total == THREADS * CALLS, "every Add reached the counter");
  check(accepted(&probe) - probe_before == THREADS * CALLS, "probe counts its own calls");
  check(accepted(&counter) - counter_before == THREADS * CALLS + 1,
        "counter counts its own calls");

  /* One stops while the other runs. */
  check(counter.deinit() == OK, "counter stops");
  uint64_t answer = 0;
  check(add(1, &total) == NOT_INITIALISED, "a stopped engine refuses calls");
  check(echo(7, &answer) == OK && answer == 7, "the other engine still answers");
  check(start(&counter) == OK, "counter starts again");
  check(add(5, &total) == OK && total == 5, "a new start is a new engine");
  check(probe.deinit() == OK, "probe stops");
  check(add(1, &total) == OK && total == 6, "counter still answers after probe stopped");
  check(counter.deinit() == OK, "counter stops again");
  check(probe.deinit() == NOT_INITIALISED, "probe was already stopped");
  printf("two_engines: ok\n");
  return 0;
}
