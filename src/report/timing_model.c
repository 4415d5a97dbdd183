/* timing_model.c: set-up and release of the --timing and --read data
 * (report/timing_model.h). */
#include "report/timing_model.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

const char *tp_phase_name(enum tp_phase phase)
{
    static const char *const names[TP_PHASE_COUNT] = {
        [TP_PHASE_DNS] = "dns",
        [TP_PHASE_CONNECT] = "connect",
        [TP_PHASE_FIRST_BYTE] = "first_byte",
        [TP_PHASE_SERVER_FLIGHT] = "server_flight",
        [TP_PHASE_HANDSHAKE] = "handshake",
        [TP_PHASE_TOTAL] = "total",
    };
    return (unsigned)phase < TP_PHASE_COUNT ? names[phase] : "?";
}

void tp_timing_init(struct tp_timing *t)
{
    memset(t, 0, sizeof *t);
    t->repeat = 1;
    t->full.cert_flight = SIZE_MAX;
    t->resumed.cert_flight = SIZE_MAX;
    t->capture.syn_rtt_ms = -1;
}

void tp_capture_result_finish(struct tp_capture_result *c)
{
    free(c->interface);
    free(c->note);
    free(c->saved_to);
    free(c->filter);
    free(c->packets);
    memset(c, 0, sizeof *c);
    c->syn_rtt_ms = -1;
}

void tp_timing_finish(struct tp_timing *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < 2; i++)
        free(t->versions[i].error);
    tp_capture_result_finish(&t->capture);
    memset(t, 0, sizeof *t);
}

void tp_audit_init(struct tp_audit *a)
{
    memset(a, 0, sizeof *a);
}

void tp_audit_hs_finish(struct tp_audit_hs *h)
{
    free(h->sni);
    tp_strlist_finish(&h->alpn);
    for (size_t i = 0; i < h->n_certs; i++)
        tp_cert_finish(&h->certs[i]);
    free(h->certs);
    free(h->note);
    tp_strlist_finish(&h->findings);
    memset(h, 0, sizeof *h);
}

void tp_audit_finish(struct tp_audit *a)
{
    if (a == NULL)
        return;
    free(a->path);
    free(a->skipped);
    free(a->error);
    memset(a, 0, sizeof *a);
}
