/* enum.c: --enum beside the report's own handshake.
 *
 * The scan runs on a thread of its own against the address the report's
 * handshake connected to: behind a slow link the handshake would otherwise
 * add its round trips to the scan's. They share nothing: the handshake
 * fills the report, the scan only report->scan. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade/policy.h"
#include "report/scan_model.h"
#include "run/run_int.h"
#include "scan/scan.h"
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
    tp_status status;
    tp_error err;
    pthread_t thread;
    bool threaded;
};

static void *scan_thread(void *arg)
{
    struct enum_task *t = arg;
    t->status = scan_run(t->cfg, &t->addr, t->sni, t->deadline, &t->progress, t->scan, &t->err);
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

/* Wait for the scan, grade it under --policy and free the task. */
/* Join the scan's thread (or run the scan here if there is none) and free
 * the task; the scan's own status. */
static tp_status enum_wait(struct enum_task *t, tp_error *err)
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
    free(t);
    return status;
}

tp_status enum_finish(struct enum_task *t, struct tp_report *report, tp_error *err)
{
    const char *policy = t->cfg->policy;
    const struct tp_config *cfg = t->cfg;
    struct tp_addr addr = t->addr;
    const char *sni = t->sni;
    tp_deadline deadline = t->deadline;
    TP_TRY(enum_wait(t, err));
    TP_TRY(run_vulns(cfg, &addr, sni, deadline, report, err));
    tp_status graded = grade_scan(report->scan, policy, report);
    if (graded != TP_OK)
        return tp_fail(err, graded, "grading the enumeration failed");
    return TP_OK;
}
