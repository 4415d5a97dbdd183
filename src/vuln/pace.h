/* pace.h: how long the vulnerability checks wait, and how many run at once.
 * Pure decisions (unit-tested in tests/unit/vuln/test_vuln.c); conv.c,
 * robot.c and vuln.c apply them.
 *
 * Waiting. Some checks end on a silence (the server waits for a record we
 * never send). A silence is decided after vuln_silence_ms(): a floor of a
 * few hundred ms, several of the run's round trips, or twice the slowest
 * answer the server gave to a record of ours after its flight, whichever
 * is longest. The round trip is the smallest "hello sent -> first byte
 * back" of the run's connections: the smallest, because a connection
 * queued behind another (openssl s_server and gnutls-serv serve one at a
 * time) measures the queue too; an answer is timed from our record to the
 * reply, when the server is already on our connection. A silence decided
 * that fast could still be a slow server's answer on its way, so it
 * decides nothing alone: a verdict that rests on a silence is confirmed
 * with vuln_patience_ms() (the scan's own probe time-out, at least 1 s),
 * where a slow answer shows as the answer it is.
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
#define VULN_POOL_MAX 9u
#define VULN_QUEUE_RTTS 16u

/* The wait after which no answer counts as a silence, for a run whose
 * smallest round trip is rtt_ms and slowest answer answer_ms (0: none
 * yet): max(floor, VULN_SILENCE_RTTS round trips, 2 * answer_ms), at most
 * PLAN_MAX_TIMEOUT_MS. */
uint32_t vuln_silence_ms(uint32_t rtt_ms, uint32_t answer_ms);

/* How long a check's connection waits for the server's first flight on a
 * link whose round trip is rtt_ms (0: not known): PLAN_INITIAL_TIMEOUT_MS,
 * or VULN_QUEUE_RTTS round trips when that is longer. A server serving one
 * connection at a time answers the checks' connections in turn, each
 * after the ones before it let go (a GnuTLS handshake holds it a few round
 * trips): behind a 1.6 s link the queue alone outlasts ten seconds, and a
 * connection still in it is no dead server. */
uint32_t vuln_flight_wait_ms(uint32_t rtt_ms);

/* The patient wait, where a silence decides a verdict on its own or
 * confirms a difference: plan_probe_timeout_ms() on this connection's
 * round trip and first flight (>= 1 s, >= twice the flight's time). */
uint32_t vuln_patience_ms(uint32_t rtt_ms, uint32_t flight_ms);

/* The run's round trip after a connection saw seen_ms (have: the run had
 * measured known_ms before): the smaller. */
uint32_t vuln_min_rtt(bool have, uint32_t known_ms, uint32_t seen_ms);

/* The checks' own limit: --parallel when given (it lowers the checks'
 * concurrency too), else 0 (none: --enum's default of 8 probes at once
 * is the scan's and does not cap the checks). */
unsigned vuln_parallel(bool given, unsigned parallel);

/* Workers for n_checks checks under --parallel (0: the default): at most
 * VULN_POOL_MAX, at most --parallel, at least 1. */
unsigned vuln_pool_size(unsigned parallel, size_t n_checks);

/* ROBOT's five vectors run this many at a time: all five, or --parallel
 * when it is smaller (--parallel 1: one after another). */
unsigned vuln_vector_batch(unsigned parallel);

/* The scan's politeness limits hold for the checks too: --max-connections
 * (what the scan left of it) and --delay between connection starts. */
struct vuln_gate {
    bool limited;      /* --max-connections was given */
    uint32_t left;     /* connections left when limited */
    uint32_t delay_ms;
    uint64_t next_ns;  /* earliest start of the next connection */
};
void vuln_gate_init(struct vuln_gate *g, uint32_t max_connections, uint32_t used,
                    uint32_t delay_ms);
/* Take one connection: false when the budget is spent; else *start_ns is
 * when it may start (now_ns, or later under --delay). */
bool vuln_gate_take(struct vuln_gate *g, uint64_t now_ns, uint64_t *start_ns);

/* ROBOT's rounds (robot.c). Round 1 is quick (vuln_silence_ms()) once the
 * check has timed an answer of the server's to a key exchange, patient
 * (vuln_patience_ms()) before: a quick silence is trusted only past twice
 * an answer the server did give. Five alike answers in round 1 decide (no
 * oracle). A difference is asked again, patiently: after a patient round 1,
 * rounds 1 and 2 decide; after a quick one (where a slow answer may have
 * been cut short into a silence) rounds 2 and 3, both patient, decide. So
 * a slow server's answer can neither make an oracle nor hide one. */
bool vuln_robot_first_patient(bool answered);
struct robot_step {
    bool another;      /* run one more round */
    unsigned first;    /* else decide on rounds first and second (0-based) */
    unsigned second;
};
struct robot_step vuln_robot_step(unsigned rounds_done, bool uniform, bool first_patient);

#endif
