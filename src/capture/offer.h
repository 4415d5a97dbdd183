/* offer.h: a client's offer as the reports keep it (struct tp_audit_hs's
 * offer fields), its JA4 (ja4.h) and the offer-* findings: what a client
 * must not offer (SSL 3.0, export, NULL, anonymous, RC4, 64-bit block or
 * DES suites) and whether it offers TLS 1.3 at all.
 *
 * Shared by --read (audit.c, ClientHellos found in a capture) and --serve
 * (serve/, ClientHellos of devices connecting to us), so that one device
 * is judged the same way whichever way its hello was seen. Pure: no I/O. */
#ifndef TP_CAPTURE_OFFER_H
#define TP_CAPTURE_OFFER_H

#include <stdint.h>

#include "capture/ja4.h"
#include "report/timing_model.h"
#include "util/err.h"
#include "wire/clienthello.h"

/* The offer findings, in catalog order. */
enum tp_offer_rule {
    TP_OFFER_RULE_SSLV2,
    TP_OFFER_RULE_SSLV3,
    TP_OFFER_RULE_EXPORT,
    TP_OFFER_RULE_NULL,
    TP_OFFER_RULE_ANON,
    TP_OFFER_RULE_RC4,
    TP_OFFER_RULE_WEAK,
    TP_OFFER_RULE_NO_TLS13,
    TP_OFFER_RULE_COUNT
};

/* Catalog id ("offer-rc4") and a phrase for messages ("client offers RC4
 * suites"). */
const char *tp_offer_rule_id(enum tp_offer_rule r);
const char *tp_offer_rule_what(enum tp_offer_rule r);

/* The JA4 input over everything ch offered (not the capped lists a report
 * keeps). The code lists live in *scratch (heap; free() it after use, also
 * on failure). TP_E_NOMEM. */
TP_MUST_CHECK tp_status tp_offer_ja4_input(const tp_client_hello *ch, struct tp_ja4_input *in,
                                           uint16_t **scratch);

/* Copy ch's offer into h: legacy version, the code lists (capped at
 * TP_AU_MAX_CODES, totals kept), SNI and ALPN; sets has_client_hello.
 * h->ja4 is left to the caller (tp_offer_ja4_input() + tp_ja4(), or a
 * memo of them). TP_E_NOMEM. */
TP_MUST_CHECK tp_status tp_offer_keep(struct tp_audit_hs *h, const tp_client_hello *ch);

/* Called once per rule h's offer raises, with a detail (the offending
 * suites' names for the suite rules when asked for, the highest version
 * for no-tls13, else ""). A failure stops the evaluation and is returned. */
typedef tp_status (*tp_offer_hit_fn)(void *ctx, enum tp_offer_rule r, const char *detail);

/* Evaluate TP_OFFER_RULE_SSLV3..TP_OFFER_RULE_NO_TLS13 over h's kept offer (SSL 2.0
 * is decided where an SSL 2.0 hello is parsed). The suite names of a rule
 * are collected only when its bit (1u << r) is in detail_mask: building
 * them costs more than the rule itself. */
TP_MUST_CHECK tp_status tp_offer_findings(const struct tp_audit_hs *h, uint32_t detail_mask,
                                          tp_offer_hit_fn hit, void *ctx);

/* A suite's IANA name, else "0xXXXX", appended to buf as ", name"; whole
 * names only, ending in "..." once buf is full. */
void tp_offer_append_suite(char *buf, size_t size, uint16_t code);

#endif
