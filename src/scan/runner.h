/* runner.h: run probe jobs concurrently under the scan's politeness limits.
 *
 * A job is a small state machine that, asked for its next probe, fills a
 * probe_spec (or says it is finished), and is told the result. Elimination
 * is such a job: each answer decides the next offer, so one job's probes are
 * sequential, and distinct jobs (disjoint chunks, versions, groups, features)
 * run side by side.
 *
 * Concurrency is a small pool of worker threads (at most --parallel), each
 * running whole probes with blocking-with-deadline calls (net_connect_addr()
 * polls its own non-blocking socket). A single poll() loop over many
 * non-blocking sockets would need a second, non-blocking connect API in net/
 * and turn every probe into a callback chain; 64 threads at most are cheap,
 * and a probe stays one straight function that reads top to bottom.
 *
 * Jobs' next() and done() are called with the runner's lock held, one at a
 * time, so they may update shared scan state without locks of their own;
 * they must be quick (no I/O). The progress callback is called the same way. */
#ifndef TP_SCAN_RUNNER_H
#define TP_SCAN_RUNNER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "scan/plan.h"
#include "scan/probe.h"
#include "util/clock.h"
#include "util/err.h"

struct scan_job;

struct scan_job_ops {
    /* Fill spec with the next probe; false when the job is finished. */
    bool (*next)(struct scan_job *job, void *ctx, struct probe_spec *spec);
    void (*done)(struct scan_job *job, void *ctx, const struct probe_result *result);
    /* Optional: hand part of the remaining work to a new job (owned by the
     * caller, valid until runner_run returns), or NULL. Called when workers
     * would otherwise sit idle. */
    struct scan_job *(*split)(struct scan_job *job, void *ctx);
    /* Optional: called right after next() filled a probe; true when the
     * job will likely want another one after it (an elimination that has
     * more than its last offer left). With limits.connect_ahead the
     * runner then starts that probe's connection as soon as this one's
     * hello is out. */
    bool (*may_continue)(const struct scan_job *job, void *ctx);
};

struct scan_job {
    const struct scan_job_ops *ops;
    bool busy;
    bool finished;
};

typedef void (*scan_progress_fn)(void *arg, uint32_t done, uint32_t planned);

struct runner_limits {
    unsigned parallel;          /* 1..64 */
    uint32_t max_connections;   /* 0 = unlimited */
    uint32_t delay_ms;          /* between connection starts */
    uint32_t connect_ms;
    tp_deadline deadline;
    struct probe_starttls starttls; /* --starttls on every probe's connection */
    /* Half-close every probe after its hello (probe.h, spec.half_close),
     * or those whose connect took at least half_close_connect_ms (0: none;
     * spec.half_close_connect_ms); the scan sets them between phases. The
     * runner clears both for good the first time a half-closed probe ends
     * without a reply byte, unless a half-closed probe has been answered
     * already: that server reads through our FIN, and a close or reset with
     * nothing said is about that probe alone (a full listen queue resets a
     * connection the kernel never queued). */
    bool half_close;
    uint32_t half_close_connect_ms;
    /* Connect ahead (probe_run_conn): a job that may continue gets its
     * next probe's connection started while this probe waits for its
     * reply. A connection the worker then has no probe for is closed at
     * once, never kept idle: a server serving one connection at a time
     * would wait on it. The scan sets it on slow links. */
    bool connect_ahead;
    /* Warm up (0: off): while this run's probes wait for their replies, up
     * to this many connections in all are started for the next run, by
     * probes whose own connect took at least warm_slow_ms (struct
     * probe_warm), PLAN_SLOW_PACE_MS apart. The next run's probes take
     * them (oldest first, the order a server accepts them in) before
     * opening their own; the first worker that finds no job closes the
     * rest, as with connections started ahead. The scan sets it for phase
     * 1 on a link slow enough for phase 2 to run that many at once. */
    unsigned warm_up;
    uint32_t warm_slow_ms;
    /* A reset before any reply from a server that answered others doubles
     * delay_ms (up to PLAN_MAX_PACE_MS of scan/plan.h): its listen queue
     * overflowed. The scan sets it on slow links, where delay_ms paces. */
    bool pace_adaptive;
    /* --psk-identity/--psk-key: every TLS 1.3 probe that does not choose
     * its own PSK offers this one with both modes (psk_key NULL: none). A
     * server with PSKs only cannot answer a TLS 1.3 hello without one. */
    const uint8_t *psk_identity;
    size_t psk_identity_len;
    const uint8_t *psk_key;
    size_t psk_key_len;
};

struct runner {
    struct runner_limits limits;
    const struct tp_addr *addr;
    void *ctx;                  /* passed to the jobs */
    scan_progress_fn progress;
    void *progress_arg;
    /* Optional: new jobs that became possible (called with the lock held
     * after every answer, until it returns NULL); owned by the caller,
     * valid until runner_run returns. */
    struct scan_job *(*more)(void *ctx);

    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct scan_job **jobs;     /* owned copy: splits append to it */
    size_t n_jobs, cap_jobs;
    unsigned workers;           /* threads running */
    unsigned in_flight;
    uint64_t next_start_ns;
    uint64_t slowed_ns;         /* when slow_down last doubled the spacing */
    int warm[PLAN_SLOW_PARALLEL_MAX]; /* warmed up (limits.warm_up), oldest first */
    unsigned n_warm, warm_taken;
    unsigned warm_reserved;     /* asked of probes still running */
    unsigned warm_slot;         /* probes asked so far (their offsets) */

    /* Statistics, read after runner_run. */
    uint32_t connections;       /* those started ahead included, used or not */
    uint32_t ahead_unused;      /* started ahead and closed unused */
    uint32_t probes;
    bool measured;              /* at least one reply timed */
    uint32_t rtt_ms;            /* smallest ClientHello -> first byte */
    bool connect_measured;      /* at least one connect timed (not one started ahead) */
    uint32_t connect_ms;        /* smallest connect */
    uint32_t service_ms;        /* largest ClientHello -> decisive reply */
    bool server_spoke;          /* some probe got a decisive TLS/SSL reply */
    bool half_close_answered;   /* some half-closed probe got a reply byte */
};

TP_MUST_CHECK tp_status runner_init(struct runner *r, const struct runner_limits *limits,
                                     const struct tp_addr *addr, void *ctx, tp_error *err);
void runner_finish(struct runner *r);
/* Close the warmed-up connections beyond keep (the oldest are kept). */
void runner_trim_warm(struct runner *r, unsigned keep);

/* Run jobs until every one is finished. Probes that cannot run (deadline
 * passed, connection budget spent) are delivered as UNKNOWN with the reason,
 * so jobs always finish. Only thread creation failure is an error. */
TP_MUST_CHECK tp_status runner_run(struct runner *r, struct scan_job **jobs, size_t n,
                                   tp_error *err);

#endif
