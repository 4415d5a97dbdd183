/* enum.c: --enum beside the report's own handshake.
 *
 * The scan runs on a thread of its own against the address the report's
 * handshake connected to: behind a slow link the handshake would otherwise
 * add its round trips to the scan's. They share nothing: the handshake
 * fills the report, the scan only report->scan.
 *
 * The vulnerability checks (issue 11: part of --enum) follow the scan on
 * the same thread: the derived ones read its results, and the probes of
 * their own would otherwise compete with the scan's for a server that
 * serves one connection at a time, where the scan times its answers.
 * They fill a tp_vulns of the task's, handed to the report at the end
 * (none with --no-vulns). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade/policy.h"
#include "report/scan_model.h"
#include "run/run_int.h"
#include "scan/scan.h"
#include "vuln/vuln.h"
#include "util/trace.h"
#include "util/banned.h"

/* --enum progress on a terminal: one line, overwritten (scan/runner.h calls
 * this with its lock held, so lines never interleave). */
static void show_progress(void *arg, uint32_t done, uint32_t planned)
{
    (void)arg;
    fprintf(stderr, "\rtlsprobe: enumerating: %u/%u probes", done, planned);
    fflush(stderr);
}

struct enum_task {
    const struct tp_config *cfg;
    struct tp_addr addr;
    const char *sni;
    tp_deadline deadline;
    struct tp_scan *scan;
    struct scan_progress progress;
    struct tp_vulns *vulns;
    tp_status status;
    tp_error err;
    pthread_t thread;
    bool threaded;
    atomic_bool abandoned;      /* enum_abandon: no checks after the scan */
};

static void *scan_thread(void *arg)
{
    struct enum_task *t = arg;
    t->status = scan_run(t->cfg, &t->addr, t->sni, t->deadline, &t->progress, t->scan, &t->err);
    tp_trace("enum: scan done");
    if (t->status == TP_OK && t->vulns != NULL && !atomic_load(&t->abandoned))
        t->status = vuln_run(t->cfg, &t->addr, t->sni, t->deadline, t->scan, t->vulns, &t->err);
    return NULL;
}

tp_status enum_start(struct enum_task **task, const struct tp_config *cfg,
                     const struct tp_addr *addr, const char *sni, tp_deadline deadline,
                     struct tp_report *report, tp_error *err)
{
    /* The scan belongs to the report (freed with it) from here on. */
    report->scan = malloc(sizeof *report->scan);
    if (report->scan == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_scan_init(report->scan);
    struct enum_task *t = calloc(1, sizeof *t);
    if (t == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (!cfg->no_vulns) {
        t->vulns = malloc(sizeof *t->vulns);
        if (t->vulns == NULL) {
            free(t);
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        }
        tp_vulns_init(t->vulns);
    }
    t->cfg = cfg;
    t->addr = *addr;
    t->sni = sni;
    t->deadline = deadline;
    t->scan = report->scan;
    t->progress.fn = !cfg->quiet_progress && isatty(STDERR_FILENO) == 1 ? show_progress : NULL;
    /* Without a thread, enum_finish runs the scan after the handshake. */
    t->threaded = pthread_create(&t->thread, NULL, scan_thread, t) == 0;
    *task = t;
    return TP_OK;
}

/* Join the scan's thread (or run the scan here if there is none) and free
 * the task; the scan's own status. The checks' results go to *vulns
 * (the caller's, on every path). */
static tp_status enum_wait(struct enum_task *t, struct tp_vulns **vulns, tp_error *err)
{
    if (t->threaded)
        pthread_join(t->thread, NULL);
    else
        (void)scan_thread(t);
    if (t->progress.fn != NULL)
        fprintf(stderr, "\r\033[K");
    tp_status status = t->status;
    if (status != TP_OK)
        tp_fail(err, status, "%s", t->err.msg);
    *vulns = t->vulns;
    free(t);
    return status;
}

tp_status enum_finish(struct enum_task *t, struct tp_report *report, tp_error *err)
{
    const char *policy = t->cfg->policy;
    struct tp_vulns *vulns = NULL;
    tp_status waited = enum_wait(t, &vulns, err);
    if (waited != TP_OK) {
        tp_vulns_finish(vulns);
        free(vulns);
        return waited;
    }
    if (vulns != NULL)
        TP_TRY(run_vulns_attach(report, vulns, err));
    tp_status graded = grade_scan(report->scan, policy, report);
    if (graded != TP_OK)
        return tp_fail(err, graded, "grading the enumeration failed");
    return TP_OK;
}

void enum_abandon(struct enum_task *t, struct tp_report *report)
{
    struct tp_vulns *vulns = NULL;
    tp_error ignored = {0};
    atomic_store(&t->abandoned, true);
    (void)enum_wait(t, &vulns, &ignored);
    if (vulns != NULL) {
        tp_vulns_finish(vulns);
        free(vulns);
    }
    tp_scan_finish(report->scan);
    free(report->scan);
    report->scan = NULL;
}
