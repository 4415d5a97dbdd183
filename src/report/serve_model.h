/* serve_model.h: plain data for --serve (serve/ fills it, serve_text.c and
 * serve_json.c render it): the client tests of the battery, each with the
 * client's verdict, and the offers (ClientHellos) the client made.
 *
 * Ownership: hangs off the report (report->serve), freed by
 * tp_serve_destroy(), which tp_report_finish() calls. Case ids and
 * descriptions are static strings of the case table. */
#ifndef TP_SERVE_MODEL_H
#define TP_SERVE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/timing_model.h"

/* What the client did with one case. */
enum tp_client_verdict {
    TP_VERDICT_NOT_RUN = 0,        /* the run ended first */
    TP_VERDICT_ACCEPTED,           /* completed the handshake (and sent data, or idled) */
    TP_VERDICT_REJECTED,           /* refused during the handshake (alert, or no common offer) */
    TP_VERDICT_REJECTED_AFTER,     /* completed it, then alert or close before any data */
    TP_VERDICT_GONE,               /* closed, reset or went silent without an alert */
    TP_VERDICT_UNKNOWN,            /* could not tell (an error on our side or the wire) */
    TP_VERDICT_UNAVAILABLE,        /* this build cannot serve the case */
    TP_VERDICT_COUNT
};

/* "not-run", "accepted", "rejected", "rejected-after-handshake", "gone",
 * "unknown", "unavailable" */
const char *tp_verdict_name(enum tp_client_verdict v);
/* JSON "accepted": 1 true, 0 false, -1 null (not decided). */
int tp_verdict_accepted(enum tp_client_verdict v);

struct tp_client_test {
    const char *id;                /* case id, static ("expired") */
    const char *description;       /* static */
    const char *kind;              /* "control", "certificate", "protocol" */
    enum tp_client_verdict verdict;
    int alert;                     /* alert the client sent, -1 none */
    const char *alert_name;        /* static, NULL none */
    uint16_t version, suite;       /* negotiated, 0 none */
    bool app_data;                 /* application data arrived after the handshake */
    double handshake_ms;           /* < 0: did not complete */
    uint32_t connection;           /* the connection (from 1) that decided it, 0 none */
    uint32_t attempts;             /* connections this case was served to */
    int offer;                     /* index in tp_serve.offers, -1 none */
    int control_after;             /* the next control: 1 accepted, 0 not, -1 none/not run */
    char *note;                    /* one line: what happened, or why unavailable */
};

/* One connection, in arrival order (capped at TP_SERVE_MAX_LOG). */
struct tp_serve_conn {
    uint32_t number;               /* from 1 */
    char peer[72];                 /* "addr:port" */
    const char *case_id;           /* static, NULL when none was served */
    enum tp_client_verdict verdict;
    char *note;
};

#define TP_SERVE_MAX_LOG 1000
#define TP_SERVE_MAX_OFFERS 16

struct tp_serve {
    char *listen;                  /* "127.0.0.1:4443", "[::1]:4443" as bound */
    char *hostname;                /* what the certificates are issued for */
    const char *starttls;          /* static: --starttls ("smtp"), NULL for TLS at once */
    char *ca_file;                 /* --serve-ca, or the file written */
    char *ca_key_file;
    bool ca_generated;             /* made for this run (and written) */
    char *ca_subject;
    struct tp_client_test *tests;  /* the schedule, in serving order */
    size_t n_tests;
    struct tp_audit_hs *offers;    /* distinct offers (by JA4 and SNI), first seen first */
    size_t n_offers;
    uint32_t *offer_seen;          /* connections per offer */
    struct tp_serve_conn *log;
    size_t n_log;
    uint32_t connections;          /* accepted TCP connections */
    uint32_t bad_connections;      /* not a usable ClientHello */
    bool complete;                 /* every test decided */
    const char *stopped;           /* static: "battery complete", "--connections", "--timeout" */
};

void tp_serve_init(struct tp_serve *s);
void tp_serve_finish(struct tp_serve *s);
void tp_serve_destroy(struct tp_serve *s);

#endif
