/* runner.c: the worker pool of runner.h. */
#include "scan/runner.h"

#include "scan/plan.h"
#include "wire/registry.h"
#include "util/trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

#define RUNNER_MAX_THREADS 64

tp_status runner_init(struct runner *r, const struct runner_limits *limits,
                      const struct tp_addr *addr, void *ctx, tp_error *err)
{
    memset(r, 0, sizeof *r);
    r->limits = *limits;
    if (r->limits.parallel == 0)
        r->limits.parallel = 1;
    if (r->limits.parallel > RUNNER_MAX_THREADS)
        r->limits.parallel = RUNNER_MAX_THREADS;
    r->addr = addr;
    r->ctx = ctx;
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return tp_fail(err, TP_E_INTERNAL, "pthread_mutex_init failed");
    if (pthread_cond_init(&r->cv, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        return tp_fail(err, TP_E_INTERNAL, "pthread_cond_init failed");
    }
    return TP_OK;
}

void runner_trim_warm(struct runner *r, unsigned keep)
{
    unsigned end = r->n_warm - r->warm_taken > keep ? r->warm_taken + keep : r->n_warm;
    for (unsigned i = end; i < r->n_warm; i++) {
        close(r->warm[i]);
        r->ahead_unused++;
    }
    r->n_warm = end;
    if (r->warm_taken == r->n_warm)
        r->n_warm = r->warm_taken = 0;
}

void runner_finish(struct runner *r)
{
    if (r == NULL)
        return;
    runner_trim_warm(r, 0);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
}

static void sleep_until_ns(uint64_t at)
{
    uint64_t now = tp_now_ns();
    if (at <= now)
        return;
    uint64_t d = at - now;
    struct timespec ts = {.tv_sec = (time_t)(d / 1000000000u), .tv_nsec = (long)(d % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Planned probes: what is done, what is running, and at least one more for
 * every job not yet finished. */
static void report_progress(struct runner *r)
{
    if (r->progress == NULL)
        return;
    uint32_t planned = r->probes + r->in_flight;
    for (size_t i = 0; i < r->n_jobs; i++)
        if (!r->jobs[i]->finished && !r->jobs[i]->busy)
            planned++;
    r->progress(r->progress_arg, r->probes, planned);
}

static struct scan_job *idle_job(struct runner *r)
{
    for (size_t i = 0; i < r->n_jobs; i++)
        if (!r->jobs[i]->busy && !r->jobs[i]->finished)
            return r->jobs[i];
    return NULL;
}

static size_t idle_jobs(const struct runner *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_jobs; i++)
        n += !r->jobs[i]->busy && !r->jobs[i]->finished;
    return n;
}

static bool room_for_job(struct runner *r)
{
    if (r->n_jobs < r->cap_jobs)
        return true;
    size_t cap = r->cap_jobs * 2;
    struct scan_job **p = realloc(r->jobs, cap * sizeof *p);
    if (p == NULL)
        return false;
    r->jobs = p;
    r->cap_jobs = cap;
    return true;
}

/* With the lock held, after job got an answer: while workers would find
 * nothing to do, let the job give part of its work away. */
static void share_work(struct runner *r, struct scan_job *job)
{
    if (job->ops->split == NULL || job->finished)
        return;
    while (r->in_flight + idle_jobs(r) < r->workers) {
        if (!room_for_job(r))
            return;
        struct scan_job *part = job->ops->split(job, r->ctx);
        if (part == NULL)
            return;
        r->jobs[r->n_jobs++] = part;
    }
}

/* With the lock held, after an answer: the jobs it made possible. */
static void take_more(struct runner *r)
{
    if (r->more == NULL)
        return;
    while (room_for_job(r)) {
        struct scan_job *job = r->more(r->ctx);
        if (job == NULL)
            return;
        r->jobs[r->n_jobs++] = job;
    }
}

static void fail_without_probe(struct probe_result *res, const char *why)
{
    memset(res, 0, sizeof *res);
    res->alert = -1;
    res->outcome = PROBE_UNKNOWN;
    snprintf(res->why, sizeof res->why, "%s", why);
}

/* With the lock held: may another connection start? Reserves it and the
 * start time (--delay) when it may. One started ahead (have_conn) was
 * counted and paced when it started: only the deadline still applies. */
static bool reserve_connection(struct runner *r, bool have_conn, uint64_t *start_at,
                               struct probe_result *res)
{
    if (tp_deadline_passed(r->limits.deadline)) {
        fail_without_probe(res, "not probed: the scan's deadline (--timeout) passed");
        return false;
    }
    if (have_conn) {
        *start_at = 0;
        return true;
    }
    if (r->limits.max_connections != 0 && r->connections >= r->limits.max_connections) {
        char why[96];
        snprintf(why, sizeof why, "not probed: --max-connections %u used up",
                 r->limits.max_connections);
        fail_without_probe(res, why);
        return false;
    }
    r->connections++;
    uint64_t now = tp_now_ns();
    *start_at = r->next_start_ns > now ? r->next_start_ns : now;
    r->next_start_ns = *start_at + (uint64_t)r->limits.delay_ms * 1000000u;
    return true;
}

static void note_timing(struct runner *r, const struct probe_result *res)
{
    if (!res->got_bytes)
        return;
    if (!r->measured || res->first_byte_ms < r->rtt_ms)
        r->rtt_ms = res->first_byte_ms;
    if (res->outcome != PROBE_UNKNOWN) {
        r->server_spoke = true;
        if (res->decisive_ms > r->service_ms)
            r->service_ms = res->decisive_ms;
    }
    r->measured = true;
}

/* Run one probe with the lock released; retry once on a transport failure
 * when the server has answered other probes (a lost SYN or a momentary
 * overload should not become a false "unknown"), and once without the
 * half-close when a half-closed probe got no byte back (a refusal by close
 * cannot be told from a peer or proxy that gave up on our FIN; see
 * probe.h). Called and returns with the lock held. */
/* With the lock held: may the probe about to run start the next one's
 * connection ahead? Counted now (it is a connection to the server whether
 * used or not), within --max-connections and the same --delay spacing. */
static bool may_connect_ahead(struct runner *r, struct scan_job *job)
{
    if (!r->limits.connect_ahead || job->ops->may_continue == NULL ||
        !job->ops->may_continue(job, r->ctx))
        return false;
    if (r->limits.max_connections != 0 && r->connections + 1 >= r->limits.max_connections)
        return false;
    r->connections++;
    uint64_t now = tp_now_ns();
    uint64_t at = r->next_start_ns > now ? r->next_start_ns : now;
    r->next_start_ns = at + (uint64_t)r->limits.delay_ms * 1000000u;
    return true;
}

/* With the lock held, after a reset before any reply from a server that
 * has answered other probes: most likely its listen queue overflowed (a
 * server accepting one connection at a time, slower than our spacing of
 * connection starts): space them twice as far apart, up to
 * PLAN_MAX_PACE_MS, once per round trip (the resets of one burst are one
 * overflow). Never below what --delay asked. */
static void slow_down(struct runner *r)
{
    uint64_t now = tp_now_ns();
    if (!r->limits.pace_adaptive || now < r->slowed_ns + (uint64_t)r->rtt_ms * 1000000u)
        return;
    r->slowed_ns = now;
    uint32_t pace = r->limits.delay_ms * 2u;
    if (pace > PLAN_MAX_PACE_MS)
        pace = PLAN_MAX_PACE_MS;
    if (pace > r->limits.delay_ms)
        r->limits.delay_ms = pace;
}

/* With the lock held: a connection started ahead that no probe will use. */
static void drop_ahead(struct runner *r, struct probe_conn *conn)
{
    if (conn->fd < 0)
        return;
    close(conn->fd);
    conn->fd = -1;
    r->ahead_unused++;
}

/* With the lock held: how many connections the probe about to run may
 * warm up (runner_limits.warm_up), reserved until it returns. */
static void plan_warm(struct runner *r, struct probe_warm *warm)
{
    memset(warm, 0, sizeof *warm);
    unsigned have = r->n_warm - r->warm_taken + r->warm_reserved;
    if (r->limits.warm_up == 0 || have >= r->limits.warm_up)
        return;
    unsigned want = r->limits.warm_up - have;
    if (want > PROBE_MAX_WARM)
        want = PROBE_MAX_WARM;
    if (r->limits.max_connections != 0) {
        uint32_t left = r->limits.max_connections > r->connections + 1
                            ? r->limits.max_connections - r->connections - 1
                            : 0;
        want = want < left ? want : (unsigned)left;
    }
    if (want == 0)
        return;
    /* The probes that warm up start their connections side by side:
     * interleaved, one every pace apart overall (gnutls-serv's listen queue
     * holds 10, plan.h). */
    uint32_t pace = r->limits.delay_ms > PLAN_SLOW_PACE_MS ? r->limits.delay_ms
                                                           : PLAN_SLOW_PACE_MS;
    unsigned probes = (r->limits.warm_up + PROBE_MAX_WARM - 1) / PROBE_MAX_WARM;
    warm->want = want;
    warm->slow_ms = r->limits.warm_slow_ms;
    warm->offset_ms = (r->warm_slot++ % probes) * pace;
    warm->spacing_ms = probes * pace;
    r->warm_reserved += want;
}

/* With the lock held, after the probe: its warmed-up connections into the
 * pool (counted: each is a connection to the server, used or not). */
static void keep_warm(struct runner *r, struct probe_warm *warm)
{
    r->warm_reserved -= warm->want;
    for (unsigned i = 0; i < warm->n; i++) {
        r->connections++;
        if (r->n_warm < PLAN_SLOW_PARALLEL_MAX) {
            r->warm[r->n_warm++] = warm->fds[i];
        } else {
            close(warm->fds[i]);
            r->ahead_unused++;
        }
    }
}

static void run_probe(struct runner *r, struct scan_job *job, struct probe_spec *spec,
                      struct probe_result *res, struct probe_conn *spare)
{
    bool retried_transport = false, ambiguous = false;
    for (int attempt = 0; attempt < 3; attempt++) {
        uint64_t start_at = 0;
        if (spare->fd < 0 && r->limits.warm_up == 0 && r->warm_taken < r->n_warm)
            spare->fd = r->warm[r->warm_taken++];
        struct probe_result refused;
        if (!reserve_connection(r, spare->fd >= 0, &start_at, &refused)) {
            /* A retry that may not run leaves the first answer standing,
             * unless that answer was the ambiguous half-closed one. */
            if (attempt == 0 || ambiguous) {
                *res = refused;
                r->probes++;
            }
            return;
        }
        uint32_t timeout = plan_probe_timeout_ms(r->measured, r->rtt_ms, r->service_ms);
        /* The retry of an ambiguous answer never half-closes. */
        spec->half_close = r->limits.half_close && !ambiguous;
        spec->half_close_connect_ms = ambiguous ? 0 : r->limits.half_close_connect_ms;
        if (spec->version >= TP_VER_TLS13 && spec->kind == PROBE_TLS &&
            spec->psk_key == NULL && r->limits.psk_key != NULL) {
            spec->psk_identity = r->limits.psk_identity;
            spec->psk_identity_len = r->limits.psk_identity_len;
            spec->psk_key = r->limits.psk_key;
            spec->psk_key_len = r->limits.psk_key_len;
            spec->psk_ke = spec->psk_dhe_ke = true;
        }
        bool ahead = attempt == 0 && may_connect_ahead(r, job);
        struct probe_conn next = {.fd = -1};
        struct probe_warm warm;
        plan_warm(r, &warm);
        pthread_mutex_unlock(&r->mu);
        sleep_until_ns(start_at);
        bool fresh = spare->fd < 0;
        probe_run_conn(spec, r->addr, spare, ahead ? &next : NULL, &warm, r->limits.connect_ms,
                       timeout, r->limits.deadline, &r->limits.starttls, res);
        pthread_mutex_lock(&r->mu);
        keep_warm(r, &warm);
        if (fresh && res->connected &&
            (!r->connect_measured || res->connect_ms < r->connect_ms)) {
            r->connect_ms = res->connect_ms;
            r->connect_measured = true;
        }
        if (ahead && next.fd < 0)
            r->connections--; /* never started: the probe failed before its hello */
        *spare = next;
        if (res->half_closed && !res->got_bytes && !r->half_close_answered) {
            /* Not counted as a probe: the one without the FIN is. */
            r->limits.half_close = false;
            r->limits.half_close_connect_ms = 0;
            ambiguous = true;
            continue;
        }
        r->half_close_answered |= res->half_closed && res->got_bytes;
        if (res->reset && !res->got_bytes && r->server_spoke)
            slow_down(r);
        ambiguous = false;
        r->probes++;
        note_timing(r, res);
        if (res->outcome != PROBE_UNKNOWN || !res->transport_failure || !r->server_spoke ||
            retried_transport)
            return;
        retried_transport = true;
    }
}

/* TLSPROBE_TRACE (util/trace.h): one line per probe when it ends, its
 * start, what it offered and what came back. */
static void trace_probe(const struct scan_job *job, const struct probe_spec *spec,
                        const struct probe_result *res, uint64_t began_ms)
{
    tp_trace("..%6llu job=%p v=%04x suites=%zu groups=%zu sigalgs=%zu%s -> %s "
            "v=%04x suite=%04x alert=%d conn=%u first=%u%s",
            (unsigned long long)began_ms, (const void *)job,
            spec->version, spec->n_suites, spec->n_groups, spec->n_sigalgs,
            spec->empty_key_share ? " hrr" : "",
            res->outcome == PROBE_ACCEPTED  ? "accepted"
            : res->outcome == PROBE_REFUSED ? "refused"
                                            : "unknown",
            res->version, res->suite, res->alert, res->connect_ms, res->first_byte_ms,
            res->reset ? " reset" : "");
}

static void *worker(void *arg)
{
    struct runner *r = arg;
    struct probe_spec spec;
    struct probe_result res;
    struct probe_conn spare = {.fd = -1}; /* started ahead by this worker's last probe */
    pthread_mutex_lock(&r->mu);
    for (;;) {
        struct scan_job *job = idle_job(r);
        if (job == NULL) {
            /* Never wait holding a connection: a server serving one at a
             * time would wait on it too. */
            drop_ahead(r, &spare);
            if (r->limits.warm_up == 0)
                runner_trim_warm(r, 0);
            if (r->in_flight == 0)
                break;
            pthread_cond_wait(&r->cv, &r->mu);
            continue;
        }
        if (!job->ops->next(job, r->ctx, &spec)) {
            job->finished = true;
            pthread_cond_broadcast(&r->cv);
            continue;
        }
        job->busy = true;
        r->in_flight++;
        uint64_t began = tp_trace_ms();
        run_probe(r, job, &spec, &res, &spare);
        if (tp_tracing())
            trace_probe(job, &spec, &res, began);
        job->ops->done(job, r->ctx, &res);
        job->busy = false;
        r->in_flight--;
        take_more(r);
        share_work(r, job);
        report_progress(r);
        pthread_cond_broadcast(&r->cv);
    }
    drop_ahead(r, &spare);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

tp_status runner_run(struct runner *r, struct scan_job **jobs, size_t n, tp_error *err)
{
    pthread_t threads[RUNNER_MAX_THREADS];
    size_t started = 0;
    tp_trace("run of %zu jobs", n);
    if (n == 0)
        return TP_OK;
    struct scan_job **own = malloc(2 * n * sizeof *own);
    if (own == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    memcpy(own, jobs, n * sizeof *own);
    pthread_mutex_lock(&r->mu);
    r->jobs = own;
    r->n_jobs = n;
    r->cap_jobs = 2 * n;
    /* Every worker starts, even with fewer jobs: splits may feed them. */
    r->workers = r->limits.parallel;
    for (; started < r->limits.parallel; started++)
        if (pthread_create(&threads[started], NULL, worker, r) != 0)
            break;
    r->workers = (unsigned)started;
    pthread_mutex_unlock(&r->mu);
    /* With no thread at all, run the jobs here so they still finish. */
    if (started == 0) {
        r->workers = 1;
        (void)worker(r);
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_lock(&r->mu);
    free(r->jobs);
    r->jobs = NULL;
    r->n_jobs = r->cap_jobs = 0;
    pthread_mutex_unlock(&r->mu);
    return TP_OK;
}
