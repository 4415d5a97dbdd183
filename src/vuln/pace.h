/* pace.h: how long the vulnerability checks wait, and how many run at once.
 * Pure decisions (unit-tested in tests/unit/vuln/test_vuln.c); conv.c,
 * robot.c and vuln.c apply them.
 *
 * Waiting. Some checks end on a silence (the server waits for a record we
 * never send). A silence is decided after vuln_silence_ms(): a floor of a
 * few hundred ms, or several of the run's round trips when they are
 * longer. The round trip is the smallest "hello sent -> first byte back"
 * of the run's connections: the smallest, because a connection queued
 * behind another (openssl s_server and gnutls-serv serve one at a time)
 * measures the queue too. A silence decided that fast can be a slow
 * server's answer still on its way, so nothing is called vulnerable on it:
 * where a difference rests on a silence, the check asks again with
 * vuln_patience_ms() (the scan's own probe time-out, at least 1 s), and a
 * slow answer then differs from the silence and makes the verdict unknown.
 *
 * Concurrency. The checks are independent (each opens its own
 * connections), so a small pool runs them side by side: vuln_pool_size().
 * Against a server that serves one connection at a time the others queue
 * in its listen backlog; a queued connection's wait starts only once its
 * first flight arrived, so queueing is never read as a silence. */
#ifndef TP_VULN_PACE_H
#define TP_VULN_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VULN_SILENCE_FLOOR_MS 300u
#define VULN_SILENCE_RTTS 4u
#define VULN_POOL_MAX 4u

/* The wait after which no answer counts as a silence, for a run whose
 * smallest round trip is rtt_ms: max(floor, VULN_SILENCE_RTTS round trips),
 * at most PLAN_MAX_TIMEOUT_MS. */
uint32_t vuln_silence_ms(uint32_t rtt_ms);

/* The patient wait, where a silence decides a verdict on its own or
 * confirms a difference: plan_probe_timeout_ms() on this connection's
 * round trip and first flight (>= 1 s, >= twice the flight's time). */
uint32_t vuln_patience_ms(uint32_t rtt_ms, uint32_t flight_ms);

/* The run's round trip after a connection saw seen_ms (have: the run had
 * measured known_ms before): the smaller. */
uint32_t vuln_min_rtt(bool have, uint32_t known_ms, uint32_t seen_ms);

/* Workers for n_checks checks under --parallel (0: the default): at most
 * VULN_POOL_MAX, at most --parallel, at least 1. */
unsigned vuln_pool_size(unsigned parallel, size_t n_checks);

/* ROBOT's rounds (robot.c). Round 1 waits vuln_silence_ms(); every later
 * round waits vuln_patience_ms(). After round 1: all five answers alike
 * decide (no oracle). Otherwise round 2; a difference that round 2 repeats
 * decides on rounds 1 and 2 (vulnerable; a silence in round 1 held for the
 * patient wait too). When round 2's five answers are alike, round 1's
 * difference may have been a slow answer cut short: round 3, and rounds 2
 * and 3 (both patient) decide. */
struct robot_step {
    bool another;      /* run one more round */
    unsigned first;    /* else decide on rounds first and second (0-based) */
    unsigned second;
};
struct robot_step vuln_robot_step(unsigned rounds_done, const bool uniform[3]);

#endif
