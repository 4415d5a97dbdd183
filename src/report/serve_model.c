/* serve_model.c: --serve's plain data (serve_model.h). */
#include "report/serve_model.h"

#include <stdlib.h>
#include <string.h>

#include "util/banned.h"

static const char *const verdict_names[TP_VERDICT_COUNT] = {
    [TP_VERDICT_NOT_RUN] = "not-run",
    [TP_VERDICT_ACCEPTED] = "accepted",
    [TP_VERDICT_REJECTED] = "rejected",
    [TP_VERDICT_REJECTED_AFTER] = "rejected-after-handshake",
    [TP_VERDICT_GONE] = "gone",
    [TP_VERDICT_UNKNOWN] = "unknown",
    [TP_VERDICT_UNAVAILABLE] = "unavailable",
};

const char *tp_verdict_name(enum tp_client_verdict v)
{
    return v < TP_VERDICT_COUNT ? verdict_names[v] : "unknown";
}

int tp_verdict_accepted(enum tp_client_verdict v)
{
    if (v == TP_VERDICT_ACCEPTED)
        return 1;
    if (v == TP_VERDICT_REJECTED || v == TP_VERDICT_REJECTED_AFTER)
        return 0;
    return -1;
}

void tp_serve_init(struct tp_serve *s)
{
    memset(s, 0, sizeof *s);
}

void tp_serve_finish(struct tp_serve *s)
{
    if (s == NULL)
        return;
    free(s->listen);
    free(s->hostname);
    free(s->ca_file);
    free(s->ca_key_file);
    free(s->ca_subject);
    for (size_t i = 0; i < s->n_tests; i++)
        free(s->tests[i].note);
    free(s->tests);
    for (size_t i = 0; i < s->n_offers; i++)
        tp_audit_hs_finish(&s->offers[i]);
    free(s->offers);
    free(s->offer_seen);
    for (size_t i = 0; i < s->n_log; i++)
        free(s->log[i].note);
    free(s->log);
    memset(s, 0, sizeof *s);
}

void tp_serve_destroy(struct tp_serve *s)
{
    tp_serve_finish(s);
    free(s);
}
