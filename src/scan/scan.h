/* scan.h: --enum, the enumeration engine. Finds every protocol version
 * (SSL 2.0 .. TLS 1.3), every cipher suite per version and its order, the
 * named groups, the TLS 1.2 signature schemes and a set of yes/no/unknown
 * features of one server address, by raw hello probes (scan/probe.h), so it
 * sees what GnuTLS itself cannot speak.
 *
 * The phases (each runs its probes concurrently, see runner.h):
 *   1. one probe per version, offering every candidate suite; for SSL 3.0 ..
 *      TLS 1.3 also the same offer reversed (server-order evidence);
 *   2. per supported version, suite elimination: offer the rest, remove the
 *      server's pick, until it refuses. A server that picked the same suite
 *      from both orders may enforce its own order: one elimination over the
 *      whole list then yields that order. Otherwise (client order) the list
 *      is split into disjoint chunks eliminated side by side. Alongside:
 *      groups (TLS 1.3 HelloRetryRequest with an empty key_share; TLS 1.2
 *      ECDHE curves from ServerKeyExchange), TLS 1.2 signature schemes
 *      (from ServerKeyExchange) and the feature probes;
 *   3. where order could not be settled that way: the accepted set forward
 *      and reversed, then (server order) one elimination over it.
 * A failed probe never fails the scan: the fact it was for says unknown,
 * with why. Facts only: rating and rendering are grade/'s and report/'s. */
#ifndef TP_SCAN_H
#define TP_SCAN_H

#include "cli/config.h"
#include "net/net.h"
#include "report/scan_model.h"
#include "scan/runner.h"
#include "util/clock.h"
#include "util/err.h"

struct scan_progress {
    scan_progress_fn fn;   /* called with probes done and planned; NULL: none */
    void *arg;
};

/* Enumerate addr (sending sni when not NULL) until done or deadline, into
 * out (initialised by the caller with tp_scan_init()). progress may be NULL.
 * Returns TP_OK whatever the server did; only out-of-memory or a thread
 * failure is an error. */
TP_MUST_CHECK tp_status scan_run(const struct tp_config *cfg, const struct tp_addr *addr,
                                 const char *sni, tp_deadline deadline,
                                 const struct scan_progress *progress, struct tp_scan *out,
                                 tp_error *err);

#endif
