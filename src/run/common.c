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
