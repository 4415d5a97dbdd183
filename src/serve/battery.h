/* battery.h: the cases --serve plays, as data, and what it concludes.
 *
 * Order (the documented order; --cases picks a subset, never reorders):
 *   valid          the control: a leaf for --hostname signed by the test CA
 *   expired, not-yet-valid, self-signed, wrong-host, untrusted, not-ca,
 *   wrong-eku, bad-signature, rsa1024, sha1      certificates it must refuse
 *   tls10, static-rsa, 3des, rc4                 protocols it should refuse
 * The control is served first, again after every TP_CONTROL_EVERY cases
 * and at the end, so that a client that gave up (refuses the control too)
 * is told apart from one that refuses the case.
 *
 * Pure: no I/O. The verdict of one connection comes from what tls/serve.h
 * reports; findings from the verdicts. */
#ifndef TP_SERVE_BATTERY_H
#define TP_SERVE_BATTERY_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/config.h"
#include "report/model.h"
#include "report/serve_model.h"
#include "tls/serve.h"
#include "util/err.h"

#define TP_CONTROL_EVERY 3

enum tp_case_kind { TP_CASE_CONTROL, TP_CASE_CERT, TP_CASE_PROTOCOL };

struct tp_case {
    const char *id;
    const char *description;      /* what is presented, for the table (<= 56 chars) */
    enum tp_case_kind kind;
    enum tls_cert_recipe cert;
    const char *priority;         /* GnuTLS priority string the server uses */
    const char *finding;          /* raised when accepted; NULL for the control */
};

extern const struct tp_case tp_cases[];
extern const size_t tp_cases_count;

#define TP_MAX_CASES TP_SERVE_MAX_CASES

/* "control", "certificate", "protocol" */
const char *tp_case_kind_name(enum tp_case_kind kind);
/* Index of the case named id, or -1. */
int tp_case_find(const char *id);

/* --cases LIST: comma-separated ids into selected[tp_cases_count] (the
 * control is always selected). TP_E_USAGE names an unknown or repeated id,
 * or an empty list. */
TP_MUST_CHECK tp_status tp_cases_parse(const char *list, bool selected[TP_MAX_CASES],
                                       tp_error *err);
/* The serving order for selected (NULL: every case): case indexes into out
 * (room for max); returns how many. */
size_t tp_schedule(const bool *selected, size_t out[], size_t max);

/* One connection's verdict from what the server saw. */
enum tp_client_verdict tp_verdict_of(const struct tls_serve_result *r);

/* After the run: each test's control_after, then the findings into report
 * (client-accepts-*, client-no-validation, serve-control-rejected). */
TP_MUST_CHECK tp_status tp_battery_conclude(struct tp_serve *s, struct tp_report *report);

#endif
