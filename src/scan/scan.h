/* scan.h: --enum, the enumeration engine. Finds every protocol version
 * (SSL 2.0 .. TLS 1.3), every cipher suite per version and its order, the
 * named groups, the TLS 1.2 signature schemes and a set of yes/no/unknown
 * features of one server address, by raw hello probes (scan/probe.h), so it
 * sees what GnuTLS itself cannot speak.
 *
 * The phases (each runs its probes concurrently, see runner.h):
 *   1. one probe per version, offering every candidate suite (the server's
 *      pick is its first choice from the whole list). When no TLS 1.0-1.2
 *      version is answered and the highest one's probe was aborted (a
 *      close, a reset, or an alert other than one refusing the version or
 *      the suites), plainer hellos find the optional extension the server
 *      chokes on (scan/intolerance.h); every later probe leaves it out and
 *      phase 1 runs again. Zero extra connections otherwise;
 *   2. per supported version: the same offer reversed (same pick from both
 *      orders with two or more suites accepted: the server enforces its
 *      order), and suite elimination: offer the rest, remove the server's
 *      pick, until it refuses, over disjoint chunks side by side. Alongside:
 *      groups (TLS 1.3 HelloRetryRequest to an empty key_share; TLS 1.2
 *      ECDHE curves from ServerKeyExchange), TLS 1.2 signature schemes (from
 *      ServerKeyExchange), TLS_FALLBACK_SCSV. Features a server must ignore
 *      when it lacks them ride on probes made anyway (compression, heartbeat
 *      and max_fragment_length on the reversed offer, record_size_limit on
 *      the elimination probes, encrypt_then_mac on every TLS <= 1.2 hello);
 *   3. what phase 2 left open: record_size_limit if no elimination probe was
 *      answered, and the accepted set forward and reversed where the
 *      phase-2 order probes failed;
 *   4. with server order: one elimination over the accepted set, whose
 *      sequence of picks is the server's order.
 * On a fast link (measured round trip under 20 ms) each elimination is one
 * chunk, the fewest connections; on a slow one chunks share out the
 * --parallel slots and idle workers split long eliminations, the shortest
 * chains (see PLAN_SLOW_LINK_MS in plan.h). A slow link also changes how
 * connections are used (runner.h, probe.h): every probe half-closes after
 * its hello (phase 1's as soon as their own connect was slow), so that a
 * server serving one connection at a time is not held a round trip per
 * accepted probe; an elimination's next connection is started while its
 * current probe waits (one round trip per step instead of two); and
 * connection starts are spaced (PLAN_SLOW_PACE_MS), further after resets
 * that show a short listen queue overflowing.
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
