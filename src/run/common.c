/* common.c: small decisions every run shares. */
#include "run/run_int.h"

#include "util/banned.h"

/* The SNI to send: --sni, else the host name unless it is an IP literal
 * (RFC 6066 Sec. 3: literal IPv4 and IPv6 addresses are not permitted). */
const char *run_choose_sni(const struct tp_config *cfg)
{
    if (cfg->no_sni)
        return NULL;
    if (cfg->sni != NULL)
        return cfg->sni;
    return net_is_ip_literal(cfg->host) ? NULL : cfg->host;
}

/* A network or TLS failure belongs to the step that was running; anything
 * else (out of memory, a bug) is internal. */
enum tp_stage run_failure_stage(tp_status status, enum tp_stage current)
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

tp_status run_note_failure(struct tp_report *report, tp_status status, enum tp_stage stage,
                           const tp_error *err)
{
    if (status == TP_OK || status == TP_E_USAGE || report->failure.stage != TP_STAGE_NONE)
        return status;
    tp_status recorded = tp_report_set_failure(report, run_failure_stage(status, stage), status,
                                               err->msg);
    return recorded != TP_OK ? recorded : status;
}

/* The report's target from the command line; the address comes later. */
tp_status run_fill_target(const struct tp_config *cfg, const char *sni, struct tp_report *report)
{
    TP_TRY(tp_set_str(&report->target.host, cfg->host));
    TP_TRY(tp_set_str(&report->target.sni, sni));
    report->target.port = cfg->port;
    return TP_OK;
}

/* The report's own handshake failed (hs_status) while a scan ran beside it:
 * the failure stays in the report, and when the scan found a version the
 * server speaks it is marked tolerated (JSON handshake.error, not error)
 * and the run goes on to be graded by its findings. */
tp_status run_tolerate_handshake(struct tp_report *report, enum tp_stage stage,
                                 tp_status hs_status, bool scan_found_version, tp_error *err)
{
    TP_TRY(tp_report_set_failure(report, stage, hs_status, err->msg));
    if (!scan_found_version)
        return hs_status;
    report->failure.tolerated = true;
    tp_error_clear(err);
    return TP_OK;
}
