/* pq.h: --enum's post-quantum key exchange phase (TLS 1.3 servers only).
 *
 * Per candidate group (X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024,
 * X25519Kyber768Draft00, MLKEM768, MLKEM1024), two probes:
 *   share  supported_groups = [G], key_share = [G's share of its real size]
 *          (wire/keyshare.h): a ServerHello naming G accepts it, and its
 *          share must have the size of G's server share (1120 bytes for
 *          X25519MLKEM768); an alert or a close refuses it;
 *   hrr    supported_groups = [G], empty key_share: a HelloRetryRequest
 *          naming G accepts it (RFC 8446 Sec. 4.1.4) without any big hello.
 * ClientHello size: the hello a browser sends (supported_groups
 * [X25519MLKEM768, x25519, secp256r1], shares X25519MLKEM768 + x25519,
 * padded to PQ_BIG_HELLO_BYTES: two TCP segments on a 1500-byte MTU)
 * against the same hello with the x25519 share only and no padding. The small one answered and the big one met with a
 * close, a reset or silence: the server or a box on the path cannot take a
 * hello over one MTU, and browsers' post-quantum hellos fail there.
 * Preference: with a hybrid P and a classical group C both accepted, [P, C]
 * and [C, P] with both shares: the two picks say whether the server prefers
 * P, prefers C, or follows the client's order (browsers list P first).
 *
 * The interpretation is pure (pq_share_answer, pq_hrr_answer,
 * pq_large_hello, pq_preference) and unit-tested. */
#ifndef TP_SCAN_PQ_H
#define TP_SCAN_PQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/scan_model.h"
#include "scan/probe.h"
#include "scan/runner.h"

#define PQ_MAX_GROUPS 8
/* The big hello's size: over one 1500-byte MTU, as browsers' are (two TCP
 * segments); padded up to it when the shares leave it shorter. */
#define PQ_BIG_HELLO_BYTES 1600u

struct pq_group {
    uint16_t code;
    enum tp_tri share;          /* accepted with a real-size key share */
    enum tp_tri hrr;            /* named in a HelloRetryRequest */
    size_t share_len;           /* the server's share, 0 if none seen */
    size_t share_expected;      /* what the draft says it must be */
    char why[160];              /* what the share probe saw */
    char hrr_why[120];
};

struct pq_state {
    bool ran;                   /* TLS 1.3 was supported: the phase ran */
    struct pq_group groups[PQ_MAX_GROUPS];
    size_t n_groups;
    enum tp_tri large_hello;    /* a hello over one MTU is answered */
    size_t big_bytes, small_bytes;
    char large_why[240];
    bool pref_ran;
    enum tp_tri prefers_pq;     /* the hybrid is picked when listed first */
    char pref_why[240];
};

/* The candidate groups in the order probed; returns the count. */
size_t pq_candidates(uint16_t *out, size_t cap);
/* Whether group is a post-quantum (ML-KEM) one, hybrid or pure, by the
 * registry; obsolete_draft whether it is a pre-standard Kyber code point. */
bool pq_is_post_quantum(uint16_t group, bool *obsolete_draft);

/* The share probe's answer for group (res of a probe offering only group,
 * with its share) into g->share, g->share_len, g->why. */
void pq_share_answer(uint16_t group, const struct probe_result *res, struct pq_group *g);
/* The HRR probe's answer into g->hrr, g->hrr_why. */
void pq_hrr_answer(uint16_t group, const struct probe_result *res, struct pq_group *g);
/* From the small and the big hello's results (big_bytes, small_bytes
 * their sizes on the wire): yes, no or unknown, and why. */
enum tp_tri pq_large_hello(const struct probe_result *small, const struct probe_result *big,
                           size_t small_bytes, size_t big_bytes, char *why, size_t why_size);
/* From [p, c] (fwd) and [c, p] (rev) with both shares: yes when p is picked
 * with p first, no when c is, unknown when no pick is known; why says whose
 * order decided. */
enum tp_tri pq_preference(uint16_t p, uint16_t c, const struct probe_result *fwd,
                          const struct probe_result *rev, char *why, size_t why_size);

/* Size on the wire of the hello spec builds (the random and shares do not
 * change it); 0 if it cannot be built. */
size_t pq_hello_bytes(const struct probe_spec *spec);

/* Run the phase on r: suites are the TLS 1.3 suites to offer, accepted13
 * the groups the TLS 1.3 group enumeration found (for the classical side
 * of the preference probes), omit the scan's TP_OFFER_* omissions. */
TP_MUST_CHECK tp_status pq_run(struct runner *r, const char *sni, const uint16_t *suites,
                               size_t n_suites, const uint16_t *accepted13, size_t n_accepted13,
                               uint32_t omit, struct pq_state *out, tp_error *err);

/* pq_run in two halves, so that the first round's probes (which need only
 * the TLS 1.3 suites) run in the shadow of the scan's phase 2 instead of
 * a round trip or two after it: pq_prepare plans them into *round (fills
 * out's candidates), pq_hand_out gives them one by one to a runner (NULL
 * when none is left), pq_complete runs what was not handed out, reads the
 * answers and runs the preference probes; pq_discard frees the round. */
struct pq_round;
TP_MUST_CHECK tp_status pq_prepare(struct pq_round **round, const char *sni,
                                   const uint16_t *suites, size_t n_suites, uint32_t omit,
                                   struct pq_state *out, tp_error *err);
struct scan_job *pq_hand_out(struct pq_round *round);
TP_MUST_CHECK tp_status pq_complete(struct runner *r, struct pq_round *round, const char *sni,
                                    const uint16_t *suites, size_t n_suites,
                                    const uint16_t *accepted13, size_t n_accepted13,
                                    uint32_t omit, struct pq_state *out, tp_error *err);
void pq_discard(struct pq_round *round);

/* Add the phase's facts to the model: post_quantum on every group, the
 * probe columns on the candidates (accepted ones are added to the group
 * list when the enumeration missed them), and the features post_quantum,
 * post_quantum_preferred and large_client_hello. */
TP_MUST_CHECK tp_status pq_fill(const struct pq_state *st, struct tp_scan *out);

#endif
