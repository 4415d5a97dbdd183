/* main.c: argv -> config -> run -> exit code. The only place that exits and
 * the only place that decides the exit status (see tlsprobe(1), EXIT STATUS). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/audit.h"
#include "cli/cli.h"
#include "grade/grade.h"
#include "grade/policy.h"
#include "net/net.h"
#include "report/model.h"
#include "report/render.h"
#include "report/scan_model.h"
#include "report/timing_model.h"
#include "scan/scan.h"
#include "timing/measure.h"
#include "tls/tls.h"
#include "util/clock.h"
#include "util/banned.h"

enum exit_code {
    EXIT_DONE = 0,
    EXIT_FINDINGS = 1,
    EXIT_USAGE = 2,
    EXIT_NETWORK = 3,
    EXIT_TLS = 4,
    EXIT_INTERNAL = 5,
};

/* The SNI to send: --sni, else the host name unless it is an IP literal
 * (RFC 6066 Sec. 3: literal IPv4 and IPv6 addresses are not permitted). */
static const char *choose_sni(const struct tp_config *cfg)
{
    if (cfg->no_sni)
        return NULL;
    if (cfg->sni != NULL)
        return cfg->sni;
    return net_is_ip_literal(cfg->host) ? NULL : cfg->host;
}

/* A network or TLS failure belongs to the step that was running; anything
 * else (out of memory, a bug) is internal. */
static enum tp_stage failure_stage(tp_status status, enum tp_stage current)
{
    switch (status) {
    case TP_E_RESOLVE:
    case TP_E_CONNECT:
    case TP_E_TIMEOUT:
    case TP_E_TLS:
        return current;
    default:
        return TP_STAGE_INTERNAL;
    }
}

/* --enum progress on a terminal: one line, overwritten (scan/runner.h calls
 * this with its lock held, so lines never interleave). */
static void show_progress(void *arg, uint32_t done, uint32_t planned)
{
    (void)arg;
    fprintf(stderr, "\rtlsprobe: enumerating: %u/%u probes", done, planned);
    fflush(stderr);
}

/* --enum runs beside the report's own handshake, on a thread of its own,
 * against the address that handshake connected to: behind a slow link the
 * handshake would otherwise add its round trips to the scan's. They share
 * nothing: the handshake fills the report, the scan only report->scan. */
struct scan_task {
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
    struct scan_task *t = arg;
    t->status = scan_run(t->cfg, &t->addr, t->sni, t->deadline, &t->progress, t->scan, &t->err);
    return NULL;
}

static tp_status scan_start(struct scan_task *t, const struct tp_config *cfg,
                            const struct tp_addr *addr, const char *sni, tp_deadline deadline,
                            struct tp_report *report, tp_error *err)
{
    memset(t, 0, sizeof *t);
    report->scan = malloc(sizeof *report->scan);
    if (report->scan == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_scan_init(report->scan);
    t->cfg = cfg;
    t->addr = *addr;
    t->sni = sni;
    t->deadline = deadline;
    t->scan = report->scan;
    t->progress.fn = isatty(STDERR_FILENO) == 1 ? show_progress : NULL;
    /* Without a thread, scan_finish runs it after the handshake. */
    t->threaded = pthread_create(&t->thread, NULL, scan_thread, t) == 0;
    return TP_OK;
}

/* Wait for the scan and grade it. The handshake's own failure (a server
 * GnuTLS cannot speak, e.g. SSLv3-only, or one that does not answer in its
 * share of the time) does not end an --enum run: when the scan found a
 * version the server speaks, the run counts as done (the handshake failure
 * stays in the report) and the findings decide the exit status. */
static tp_status scan_finish(struct scan_task *t, struct tp_report *report,
                             tp_status handshake_status, tp_error *err)
{
    if (t->threaded)
        pthread_join(t->thread, NULL);
    else
        (void)scan_thread(t);
    if (t->progress.fn != NULL)
        fprintf(stderr, "\r\033[K");
    if (t->status != TP_OK)
        return tp_fail(err, t->status, "%s", t->err.msg);
    tp_status graded = grade_scan(report->scan, t->cfg->policy, report);
    if (graded != TP_OK)
        return tp_fail(err, graded, "grading the enumeration failed");
    if (handshake_status == TP_OK)
        return TP_OK;
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (report->scan->protocols[i].supported == TP_TRI_YES)
            return TP_OK;
    return handshake_status;
}

/* Resolve, connect, handshake and grade; everything learned goes in report.
 * Returns the status of the step that stopped the run (TP_OK if none). */
static tp_status run_report(const struct tp_config *cfg, struct tp_report *report,
                            tp_error *err)
{
    tp_deadline deadline = tp_deadline_in_ms(cfg->timeout_ms);
    struct tp_addrlist addrs = {0};
    int fd = -1;
    size_t which = 0;
    const char *sni = choose_sni(cfg);
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status;
    struct scan_task task;
    bool scanning = false;

    if ((status = tp_set_str(&report->target.host, cfg->host)) != TP_OK ||
        (status = tp_set_str(&report->target.sni, sni)) != TP_OK)
        goto out;
    report->target.port = cfg->port;

    status = net_resolve(cfg->host, cfg->port, cfg->family, deadline, &addrs, err);
    if (status != TP_OK)
        goto out;
    stage = TP_STAGE_CONNECT;
    status = net_connect_first(&addrs, cfg->connect_timeout_ms, deadline, report, &fd, &which,
                               err);
    if (status != TP_OK)
        goto out;
    report->target.family = addrs.items[which].family;
    if ((status = tp_set_str(&report->target.address, addrs.items[which].text)) != TP_OK)
        goto out;
    if (cfg->enumerate &&
        (status = scan_start(&task, cfg, &addrs.items[which], sni, deadline, report, err)) !=
            TP_OK)
        goto out;
    scanning = cfg->enumerate;
    stage = TP_STAGE_TLS;
    /* With --enum the report's handshake gets a third of the run, so that
     * a peer that never answers still leaves time for the scan. */
    tp_deadline hs_deadline =
        cfg->enumerate ? tp_deadline_min_ms(deadline, cfg->timeout_ms / 3u) : deadline;
    status = tls_handshake_report(fd, cfg, sni, hs_deadline, report, err);
    if (status == TP_OK) {
        stage = TP_STAGE_NONE;
        status = grade_handshake(report, cfg, tp_wall_seconds());
    }
    if (scanning) {
        /* Free the server (single-threaded ones, like openssl s_server,
         * serve one connection at a time) and record the handshake's
         * failure, then wait for the scan. */
        close(fd);
        fd = -1;
        scanning = false;
        if (status != TP_OK && status != TP_E_TLS && status != TP_E_TIMEOUT) {
            (void)scan_finish(&task, report, status, err);
            goto out;
        }
        if (status != TP_OK) {
            tp_status recorded = tp_report_set_failure(report, stage, status, err->msg);
            if (recorded != TP_OK) {
                (void)scan_finish(&task, report, status, err);
                status = recorded;
                goto out;
            }
        }
        tp_error hs_err = *err;
        tp_error_clear(err);
        status = scan_finish(&task, report, status, err);
        if (status != TP_OK && err->msg[0] == '\0')
            *err = hs_err;
    }
out:
    if (status != TP_OK && status != TP_E_USAGE && report->failure.stage == TP_STAGE_NONE) {
        tp_status recorded = tp_report_set_failure(report, failure_stage(status, stage),
                                                   status, err->msg);
        if (recorded != TP_OK)
            status = recorded;
    }
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    return status;
}

/* --timing: the report's handshake is the first timed one (timing/measure.h),
 * graded as usual. A capture that could not be opened for lack of
 * privilege is said in one line, and the hook timings stand. */
static tp_status run_timed(const struct tp_config *cfg, struct tp_report *report, tp_error *err)
{
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status = timing_run(cfg, report, &stage, err);
    if (status == TP_OK)
        status = grade_handshake(report, cfg, tp_wall_seconds());
    const struct tp_timing *t = report->timing;
    if (t != NULL && t->has_capture && !t->capture.used && t->capture.note != NULL)
        fprintf(stderr, "tlsprobe: --capture: %s\n", t->capture.note);
    if (status != TP_OK && status != TP_E_USAGE && report->failure.stage == TP_STAGE_NONE) {
        tp_status recorded = tp_report_set_failure(report, failure_stage(status, stage),
                                                   status, err->msg);
        if (recorded != TP_OK)
            status = recorded;
    }
    return status;
}

/* --read progress on a terminal: one line, overwritten. */
static void show_read_progress(void *arg, uint64_t packets, uint64_t handshakes)
{
    (void)arg;
    fprintf(stderr, "\rtlsprobe: read %llu packets, %llu handshakes",
            (unsigned long long)packets, (unsigned long long)handshakes);
    fflush(stderr);
}

/* --read: every handshake in a capture file (capture/audit.h). A file that
 * cannot be read is a usage error; a damaged one gives partial results. */
static tp_status run_audit(const struct tp_config *cfg, struct tp_report *report, tp_error *err)
{
    bool tty = isatty(STDERR_FILENO) == 1;
    struct tp_audit_hooks hooks = {tls_describe_der, tty ? show_read_progress : NULL, NULL};
    tp_status status = tp_audit_file(cfg->read_file, &hooks, report, err);
    if (tty)
        fprintf(stderr, "\r\033[K");
    if (status == TP_OK && report->audit->error != NULL)
        fprintf(stderr, "tlsprobe: --read %s: %s\n", cfg->read_file, report->audit->error);
    if (status == TP_OK)
        tp_report_sort_findings(report);
    return status;
}

static int exit_code_for(tp_status status, const struct tp_report *report,
                         const struct tp_config *cfg)
{
    switch (status) {
    case TP_OK:
        break;
    case TP_E_USAGE:
        return EXIT_USAGE;
    case TP_E_RESOLVE:
    case TP_E_CONNECT:
    case TP_E_TIMEOUT: /* at any step, the handshake included */
        return EXIT_NETWORK;
    case TP_E_TLS:
        return EXIT_TLS;
    default:
        return EXIT_INTERNAL;
    }
    int worst = tp_report_worst_severity(report);
    if (cfg->fail_on != TP_SEV_NONE && worst >= (int)cfg->fail_on)
        return EXIT_FINDINGS;
    return EXIT_DONE;
}

static bool want_colour(const struct tp_config *cfg)
{
    if (cfg->color == TP_COLOR_ALWAYS)
        return true;
    if (cfg->color == TP_COLOR_NEVER)
        return false;
    const char *no_color = getenv("NO_COLOR"); /* https://no-color.org */
    if (no_color != NULL && no_color[0] != '\0')
        return false;
    return isatty(STDOUT_FILENO) == 1;
}

int main(int argc, char **argv)
{
    struct tp_config cfg;
    struct tp_report report;
    tp_error err = {0};

    tp_report_init(&report);
    tp_status status = cli_parse(argc, argv, &cfg, &err);
    if (status != TP_OK) {
        fprintf(stderr, "tlsprobe: %s\n", err.msg);
        fprintf(stderr, "Try 'tlsprobe --help' for more information.\n");
        cli_config_finish(&cfg);
        return status == TP_E_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
    }
    if (cfg.action == TP_ACTION_HELP) {
        cli_print_help(stdout);
        return EXIT_DONE;
    }
    if (cfg.action == TP_ACTION_VERSION) {
        cli_print_version(stdout);
        return EXIT_DONE;
    }

    uint64_t started = tp_now_ns();
    status = tls_global_init(&err);
    if (status == TP_OK)
        status = tls_check_ca_file(&cfg, &err);
    if (status == TP_OK)
        status = cfg.read_file != NULL ? run_audit(&cfg, &report, &err)
                 : cfg.timing          ? run_timed(&cfg, &report, &err)
                                       : run_report(&cfg, &report, &err);
    report.elapsed_us = (tp_now_ns() - started) / 1000u;

    /* A usage error prints no report, in JSON or text: nothing was run. */
    tp_status rendered = TP_OK;
    if (status != TP_E_USAGE)
        rendered = cfg.json ? render_json(stdout, &report, &cfg)
                            : render_text(stdout, &report, &cfg, want_colour(&cfg));
    if (status != TP_OK)
        fprintf(stderr, "tlsprobe: %s\n", err.msg[0] ? err.msg : tp_status_name(status));
    if (fflush(stdout) != 0 || rendered != TP_OK) {
        fprintf(stderr, "tlsprobe: could not write the report\n");
        status = status == TP_OK ? TP_E_IO : status;
    }
    int code = exit_code_for(status, &report, &cfg);
    tp_report_finish(&report);
    cli_config_finish(&cfg);
    tls_global_finish();
    return code;
}
