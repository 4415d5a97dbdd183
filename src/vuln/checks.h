/* checks.h: the vulnerability checks, one function each, shared between
 * the files of src/vuln/ only. A check fills one answer: vulnerable, not
 * vulnerable or unknown, with a one-line detail that says what was seen.
 * A check that cannot decide says unknown: a false "vulnerable" sends an
 * operator chasing nothing, a false "not vulnerable" hides a hole. */
#ifndef TP_VULN_CHECKS_H
#define TP_VULN_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/model.h"
#include "report/scan_model.h"
#include "report/vuln_model.h"
#include "util/err.h"
#include "util/text.h"
#include "vuln/conv.h"

struct vuln_input {
    const struct tp_scan *scan; /* --enum's results, NULL without --enum */
};

struct vuln_answer {
    enum tp_vuln_result result;
    char detail[400];
};

void vuln_answer(struct vuln_answer *a, enum tp_vuln_result result, const char *fmt, ...)
    TP_PRINTF(3, 4);

typedef void (*vuln_check_fn)(struct vuln_ctx *ctx, const struct vuln_input *in,
                              struct vuln_answer *out);

/* Probes of their own (heartbleed.c, ccs.c, robot.c, reneg.c, keyshare.c). */
void vuln_heartbleed(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_ccs_injection(struct vuln_ctx *ctx, const struct vuln_input *in,
                        struct vuln_answer *out);
void vuln_robot(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_insecure_renegotiation(struct vuln_ctx *ctx, const struct vuln_input *in,
                                 struct vuln_answer *out);
void vuln_client_renegotiation(struct vuln_ctx *ctx, const struct vuln_input *in,
                               struct vuln_answer *out);
void vuln_key_share_reuse(struct vuln_ctx *ctx, const struct vuln_input *in,
                          struct vuln_answer *out);
void vuln_ticketbleed(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_early_data_replay(struct vuln_ctx *ctx, const struct vuln_input *in,
                            struct vuln_answer *out);
void vuln_ticket_key(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
/* From --enum's results (derived.c). */
void vuln_beast(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_poodle_ssl3(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_poodle_tls(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_lucky13(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_sweet32(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_freak(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_logjam(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_drown(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);
void vuln_crime(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out);

/* ---- decisions, pure (unit-tested) ---- */

/* Heartbleed from the reply to our over-long heartbeat request. */
void vuln_decide_heartbleed(const tp_reply *reply, enum reply_end end, bool negotiated,
                            struct vuln_answer *out);

/* CCS injection: the reply to the first early ChangeCipherSpec, and (when
 * the server stayed silent) to the second. */
void vuln_decide_ccs(const tp_reply *first, enum reply_end first_end, const tp_reply *second,
                     enum reply_end second_end, struct vuln_answer *out);

/* ROBOT: the response classes of the five vectors in two rounds (NULL
 * class: that connection failed). */
#define ROBOT_VECTORS 5
#define ROBOT_CLASS_LEN 96
void vuln_decide_robot(char classes[2][ROBOT_VECTORS][ROBOT_CLASS_LEN],
                       bool failed[2][ROBOT_VECTORS], const char *variant,
                       struct vuln_answer *out);

/* Ticketbleed from the ServerHello to our resumption with a 1-byte
 * session ID (resumed: an abbreviated handshake followed). */
void vuln_decide_ticketbleed(const tp_server_hello *sh, bool resumed, uint8_t sid,
                             struct vuln_answer *out);

/* A check's TLS <= 1.2 hello (suites passing keep, NULL: any) was refused
 * (why). With --enum, a scan that had such a suite accepted with TLS 1.0
 * to 1.2 shows the refusal was our hello's (an extension the server is
 * intolerant to, say), not the server's answer to the question: then out
 * is unknown, saying so, and the result is true. */
bool vuln_refusal_in_doubt(const struct vuln_input *in, bool (*keep)(uint16_t code),
                           const char *why, struct vuln_answer *out);

/* A TLS <= 1.2 hello of the scan's kind offering suites that pass keep
 * (NULL: every candidate) for version. */
void vuln_tls12_spec(struct probe_spec *spec, const char *sni, bool (*keep)(uint16_t code));

#endif
