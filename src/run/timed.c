/* timed.c: --timing (timing/measure.h does the measuring). */
#include <stdio.h>

#include "grade/grade.h"
#include "report/timing_model.h"
#include "run/run.h"
#include "run/run_int.h"
#include "timing/measure.h"
#include "util/banned.h"

/* --timing: the report's handshake is the first timed one (timing/measure.h),
 * graded as usual. A capture that could not be opened for lack of
 * privilege is said in one line, and the hook timings stand. */
tp_status run_timed(const struct tp_config *cfg, struct tp_report *report, tp_error *err)
{
    /* --dtls: the report's own handshake, timed datagram by datagram. */
    if (cfg->dtls)
        return run_dtls_report(cfg, report, err);
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status = timing_run(cfg, run_choose_sni(cfg), report, &stage, err);
    if (status == TP_OK)
        status = grade_handshake(report, cfg, tp_wall_seconds());
    const struct tp_timing *t = report->timing;
    if (t != NULL && t->has_capture && !t->capture.used && t->capture.note != NULL)
        fprintf(stderr, "tlsprobe: --capture: %s\n", t->capture.note);
    return run_note_failure(report, status, stage, err);
}
