/* intolerance.h: which optional part of a ClientHello makes a server abort
 * the handshake, found by retrying with less (pure logic, no I/O; both the
 * report's GnuTLS handshake, run/diagnose.c, and the raw probes of --enum,
 * scan/scan.c, drive it).
 *
 * A server MUST ignore extensions it does not recognise (RFC 8446 Sec.
 * 4.1.2 and 9.3; RFC 5246 Sec. 7.4.1.4; RFC 6066 Sec. 1.1 for
 * status_request and max_fragment_length); some close, reset or alert
 * instead (lighttpd on wolfSSL closes on every status_request). The search,
 * over the parts of the offer that may be left out (a mask of
 * TP_OFFER_*), keeping connections few:
 *
 *   1. the plain offer, every part left out. Still aborted: the parts are
 *      not the cause (a broken suite, a server that wants something else);
 *      done, not intolerant. One connection on a server that is merely
 *      broken.
 *   2. the full offer without one part, most often guilty first
 *      (status_request): the first that completes names the sole culprit,
 *      and that completed handshake is the tolerated offer. Two
 *      connections for the common case.
 *   3. none did, so more than one part is guilty: the plain offer with one
 *      part added back, for each part; those that abort are the culprits.
 *   4. the full offer without the culprits, the tolerated offer. Should it
 *      still abort (parts that fail only together), every part is left out
 *      and named.
 *
 * Driving it: while intol_next() gives an offer (a mask of parts to leave
 * out), try it and tell intol_answer() whether it completed. When done,
 * intolerant says whether the plain offer succeeded where the full one
 * failed, culprits which parts to leave out from then on, and the last
 * offer that completed was exactly the full offer without the culprits. */
#ifndef TP_SCAN_INTOLERANCE_H
#define TP_SCAN_INTOLERANCE_H

#include <stdbool.h>
#include <stdint.h>

enum intol_step {
    INTOL_PLAIN = 0,
    INTOL_DROP_ONE,
    INTOL_ADD_BACK,
    INTOL_FINAL,
    INTOL_FINAL_ALL,
    INTOL_DONE,
};

struct intol_search {
    uint32_t parts;          /* what may be left out */
    uint32_t culprits;       /* valid once done */
    bool intolerant;         /* valid once done */
    enum intol_step step;
    unsigned index;          /* bit index for DROP_ONE and ADD_BACK */
    unsigned asked;          /* offers tried, for tests and reports */
};

/* Start a search over parts (TP_OFFER_* bits; 0 means nothing to try). */
void intol_init(struct intol_search *s, uint32_t parts);

/* The next offer to try: *omit gets the parts to leave out. False when the
 * search is done. */
bool intol_next(struct intol_search *s, uint32_t *omit);

/* Whether the offer intol_next() gave completed (for a raw probe: a clean
 * ServerHello, and its flight, of the version asked). */
void intol_answer(struct intol_search *s, bool completed);

#endif
