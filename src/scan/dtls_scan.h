/* dtls_scan.h: --dtls --enum, a smaller scanner beside scan.c for DTLS
 * over UDP. The TCP scan's elimination runs many probes at once over
 * connections whose refusal is a close or an alert; over UDP silence is
 * no refusal, so each probe here is a hand-built ClientHello datagram
 * (wire/dtls.c) retried on a timer scaled to the measured round trip,
 * the HelloVerifyRequest answered with its cookie (RFC 6347 Sec. 4.2.1),
 * one probe at a time (constrained servers keep little state).
 *
 * It finds: DTLS 1.0 and 1.2 (each offered alone), DTLS 1.3 by
 * supported_versions (the ServerHello or HelloRetryRequest says so; no
 * DTLS 1.3 handshake is completed); every suite of each version by
 * elimination (offer all, remove the one chosen, until refused; in DTLS
 * 1.3 the TLS 1.3 suites, the DTLS 1.2 ones found after them so that a
 * server out of DTLS 1.3 suites answers in DTLS 1.2), the PSK and CCM_8
 * suites RFC 7925 asks for among them; the groups and DTLS 1.2 signature
 * schemes by the same elimination over supported_groups and
 * signature_algorithms, each read from the ServerKeyExchange (DTLS 1.2 and
 * 1.0 elliptic curves with the ECDHE suites found, RFC 7919 groups with the
 * DHE ones, schemes with the signed ones; DTLS 1.3 groups with its suites
 * and an empty key_share, each named by the HelloRetryRequest, as the TCP
 * scan's TLS 1.3 group search), and each suite's key exchange
 * size on the way; and whether the server echoes the connection_id
 * extension (RFC 9146, extension 54). Facts only: grade/policy_dtls.c
 * rates them. */
#ifndef TP_DTLS_SCAN_H
#define TP_DTLS_SCAN_H

#include "cli/config.h"
#include "net/net.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* Fill out (zeroed by the caller) within deadline. rtt_hint_ms: a round
 * trip already measured (the report's first answer), 0 if none: it sets
 * the first retry timer, else RFC 6347's 1 s.  Silence and refusals
 * are results, not failures: TP_OK, with out->why saying what stayed
 * unknown; TP_E_CONNECT when nothing listens (ICMP port unreachable);
 * TP_E_NOMEM or TP_E_INTERNAL otherwise. */
TP_MUST_CHECK tp_status dtls_scan_run(const struct tp_config *cfg, const struct tp_addr *addr,
                                      const char *sni, tp_deadline deadline,
                                      uint32_t rtt_hint_ms, struct tp_dtls_enum *out,
                                      tp_error *err);

#endif
