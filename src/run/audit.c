/* audit.c: --read, every handshake in a capture file (capture/audit.h),
 * rendered as it completes by report/timing_stream.c. */
#include <stdio.h>
#include <unistd.h>

#include "capture/audit.h"
#include "report/timing_model.h"
#include "report/timing_render.h"
#include "run/run.h"
#include "tls/tls.h"
#include "util/banned.h"

/* --read progress on a terminal: one line, overwritten. */
static void show_read_progress(void *arg, uint64_t packets, uint64_t handshakes)
{
    (void)arg;
    fprintf(stderr, "\rtlsprobe: read %llu packets, %llu handshakes",
            (unsigned long long)packets, (unsigned long long)handshakes);
    fflush(stderr);
}

/* --read: every handshake in a capture file (capture/audit.h), rendered as
 * the audit goes (report/timing_render.h) so memory stays bounded by the
 * open streams. *streamed says whether the report was written (then main
 * must not render it again), *rendered how that went. A file that cannot
 * be read is a usage error and prints no report; a damaged one gives
 * partial results. */
tp_status run_audit(const struct tp_config *cfg, struct tp_report *report, bool colour,
                    uint64_t started, bool *streamed, tp_status *rendered, tp_error *err)
{
    /* Progress only when the report is not also going to the terminal. */
    bool progress = isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) != 1;
    /* Many small writes per handshake: one system call per megabyte. */
    if (isatty(STDOUT_FILENO) != 1)
        setvbuf(stdout, NULL, _IOFBF, 1u << 20);
    struct audit_stream *out = NULL;
    tp_status status = audit_stream_create(stdout, report, cfg, cfg->json, colour, &out);
    if (status != TP_OK)
        return tp_fail(err, status, "out of memory");
    struct tp_audit_hooks hooks = {
        .describe_cert = tls_describe_der,
        .progress = progress ? show_read_progress : NULL,
        .sink = {audit_stream_open, audit_stream_handshake, out},
    };
    status = tp_audit_file(cfg->read_file, &hooks, report, err);
    /* TP_E_IO is the sink's: the report could not be written, which main
     * says as for any other run. */
    tp_status written = TP_OK;
    if (status == TP_E_IO) {
        written = status;
        status = TP_OK;
    }
    if (progress)
        fprintf(stderr, "\r\033[K");
    if (status == TP_OK && report->audit->error != NULL)
        fprintf(stderr, "tlsprobe: --read %s: %s\n", cfg->read_file, report->audit->error);
    if (status == TP_OK)
        tp_report_sort_findings(report);
    else if (status != TP_E_USAGE && report->failure.stage == TP_STAGE_NONE &&
             tp_report_set_failure(report, TP_STAGE_INTERNAL, status, err->msg) != TP_OK)
        status = TP_E_NOMEM;
    *streamed = audit_stream_opened(out);
    if (*streamed && written == TP_OK) {
        report->elapsed_us = (tp_now_ns() - started) / 1000u;
        written = audit_stream_finish(out);
    }
    *rendered = written;
    audit_stream_destroy(out);
    return status;
}
