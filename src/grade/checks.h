/* checks.h: internal to src/grade. Each rule family is one function that
 * reads the facts in the report and adds findings; grade_handshake() runs
 * them from a table. A fact that is unknown (TP_TRI_UNKNOWN, 0, NULL) never
 * produces a finding: a rule fires only on what was actually observed. */
#ifndef TP_GRADE_CHECKS_H
#define TP_GRADE_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

struct grade_ctx {
    struct tp_report *report;     /* where findings go */
    struct tp_chain_view chain;   /* the chain the certificate rules judge */
    const struct tp_config *cfg;
    int64_t now; /* wall clock, seconds since the epoch */
};

typedef tp_status (*grade_check_fn)(const struct grade_ctx *ctx);

/* Certificate and chain rules (certs.c), about ctx->chain: run once for
 * the negotiated chain and once for each of report->other_chains, whose
 * findings say which chain ("ECDSA chain: ..."). */
TP_MUST_CHECK tp_status grade_cert_trust(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_hostname(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_validity(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_expiring(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_keys(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_signatures(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_cert_leaf(const struct grade_ctx *ctx);
TP_MUST_CHECK tp_status grade_chain_shape(const struct grade_ctx *ctx);
/* --dtls (dtls.c): DTLS 1.0, the cookie exchange and amplification. */
TP_MUST_CHECK tp_status grade_dtls(const struct grade_ctx *ctx);

/* "certificate #1 (CN=R3)": index, and the subject's CN (else the whole
 * subject) cut to a readable length. Always NUL-terminates buf. */
void grade_cert_label(const struct tp_chain_view *chain, size_t index, char *buf, size_t size);

#endif
