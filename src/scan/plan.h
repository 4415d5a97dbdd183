/* plan.h: the pure part of enumeration (no sockets, no clock): which code
 * points to offer, how to split them into disjoint chunks, the bookkeeping of
 * "offer the rest, remove the server's pick, repeat" (elimination), what two
 * picks say about server-enforced order, and how long a probe may wait.
 *
 * Everything here is deterministic and unit-tested in tests/unit/scan. */
#ifndef TP_SCAN_PLAN_H
#define TP_SCAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/model.h"

/* Room for every 2-byte code point of one axis: the registry has ~390
 * TLS <= 1.2 suites; 512 keeps the arrays on the stack and fixed. */
#define PLAN_MAX_CODES 512
/* Largest offer in one hello by default: long ClientHellos make some servers
 * fail (RFC 7685 Sec. 1 tells the story of one); 128 suites = 256 bytes. */
#define PLAN_MAX_CHUNK 128
#define PLAN_MIN_SUITE_CHUNK 16

/* Candidate cipher suites for a version: TLS 1.3 suites for TLS 1.3; for
 * SSL 3.0 .. TLS 1.2 every 2-byte suite that is not TLS 1.3-only, SCSV or
 * GREASE, whatever version range the registry gives it (a server accepting a
 * suite outside its range is a finding, not something to hide). Registry
 * order. Returns the count (at most cap). */
size_t plan_suite_candidates(uint16_t version, uint16_t *out, size_t cap);
/* Every SSL 2.0 cipher kind in the registry. */
size_t plan_ssl2_kinds(uint32_t *out, size_t cap);

enum plan_group_use {
    PLAN_GROUPS_TLS13,   /* named groups for TLS 1.3 key_share / HRR */
    PLAN_GROUPS_ECDHE,   /* elliptic curves for TLS <= 1.2 ECDHE */
    PLAN_GROUPS_OFFER,   /* broad list for ordinary probes, common first */
};
/* Candidate named groups (GREASE and explicit-curve markers excluded). */
size_t plan_group_candidates(enum plan_group_use use, uint16_t *out, size_t cap);
/* Candidate signature schemes for TLS 1.2 signature_algorithms. */
size_t plan_sigscheme_candidates(uint16_t *out, size_t cap);
/* Key size in bits a group stands for (ffdhe2048 -> 2048, secp384r1 -> 384,
 * x25519 -> 255), 0 if unknown or post-quantum. */
unsigned plan_group_bits(uint16_t group);

/* How many disjoint chunks to split n codes into so that each has at most
 * max_chunk codes, and, when spreading helps (parallel > 1), up to `parallel`
 * chunks of at least min_chunk codes each. Always >= 1 for n >= 1. */
size_t plan_chunk_count(size_t n, size_t max_chunk, size_t min_chunk, size_t parallel);
/* plan_chunk_count on a slow link (parallel > 1): a set of at most
 * PLAN_ALONE_MAX codes (TLS 1.3's five suites) is offered one code per
 * hello, all side by side. An elimination of k accepted costs k + 1 steps
 * one after the other; alone, every code is one step at once, for at most
 * PLAN_ALONE_MAX - k - 1 more connections (measured behind 1600 ms: the
 * five TLS 1.3 suites of nginx, three accepted, took four steps). */
#define PLAN_ALONE_MAX 8u
size_t plan_chunk_count_slow(size_t n, size_t max_chunk, size_t min_chunk, size_t parallel);
/* Chunk `index` of `chunks`: codes in[index], in[index + chunks], ...
 * (striding spreads the commonly accepted suites, which cluster in registry
 * order, over all chunks, which evens out elimination depth). */
size_t plan_chunk(const uint16_t *in, size_t n, size_t chunks, size_t index, uint16_t *out);
void plan_reverse(const uint16_t *in, size_t n, uint16_t *out);

/* ---- slow links ----
 *
 * Behind a long round trip a scan is bound by latency: every elimination
 * step costs a connect and a ClientHello -> ServerHello exchange, and the
 * steps of one chunk run one after the other. */

/* Round trip (ms, as the scan measures it) from which more probes in flight
 * and more chunks pay: below it (a LAN, loopback) a scan is bound by the
 * server's work per handshake, and extra chunks only add connections. */
#define PLAN_SLOW_LINK_MS 20u
/* A relay or proxy answers connect() itself: with a quick connect, only a
 * hello round trip of at least this much shows a slow link behind it. Less
 * is a busy server: one serving a connection at a time makes phase 1 wait
 * behind the report's own handshake, tens of ms on a loaded machine. */
#define PLAN_SLOW_RELAY_MS 100u
/* The round trip the slow-link decisions go by, from the smallest
 * "ClientHello sent -> first byte" (rtt_ms) and the smallest TCP connect
 * (connect_ms; connect_measured false: none timed): rtt_ms when the
 * connect itself was slow (>= PLAN_SLOW_LINK_MS: the path is) or rtt_ms
 * reaches PLAN_SLOW_RELAY_MS; otherwise the connect's, a fast link. */
uint32_t plan_link_rtt(uint32_t rtt_ms, bool connect_measured, uint32_t connect_ms);
/* Most probes in flight by default on a slow link: under the 64 connections
 * of a small nginx (worker_connections 64), with room for the report's own. */
#define PLAN_SLOW_PARALLEL_MAX 48u
/* One probe in flight per this many ms of round trip. With connections
 * started ahead (runner.h) a probe holds its slot about one round trip, so
 * the connection rate stays near 1000 / 6 = 170 a second, far below what
 * the default of 8 in flight opens against a LAN server answering in 2 ms
 * (~4000 a second); and a scan bound by round trips gets 50 chains side by
 * side behind 300 ms. */
#define PLAN_SLOW_PARALLEL_SPACING_MS 6u

/* Least time between connection starts on a slow link. A burst of SYNs
 * sent at once arrives at once one round trip later, as many completed
 * connections at once: a server that accepts one at a time with a short
 * listen queue (gnutls-serv: 10) overflows it, and the kernel drops the
 * rest (a SYN-cookie connection whose ACK was dropped is then reset by our
 * FIN; measured behind a 300 ms packet-level link: 8 of 18 reset, and the
 * SYNs that follow retransmitted after a second). Spaced by this, a burst of
 * PLAN_SLOW_PARALLEL_MAX spans 192 ms, under the round trip of a link slow
 * enough to run that many, and a server spending up to a few ms per hello
 * keeps its queue short. */
#define PLAN_SLOW_PACE_MS 4u
/* The runner doubles the spacing after each reset that looks like an
 * overflowed listen queue (runner.h, pace_adaptive), up to this. */
#define PLAN_MAX_PACE_MS 32u

/* Probes in flight for the rest of a scan: configured when the user chose it
 * (configured_given), else the default, raised on a slow link so that about
 * rtt_ms / PLAN_SLOW_PARALLEL_SPACING_MS probes are in flight (at most
 * PLAN_SLOW_PARALLEL_MAX): the connection rate stays far below what the
 * default opens on a LAN, while the scan's many independent chains no
 * longer queue behind each other. configured 0 means 1. */
unsigned plan_parallel(unsigned configured, bool configured_given, uint32_t rtt_ms);

/* Whether TLS 1.0 and 1.1 (and SSL 3.0) are eliminated after TLS 1.2, as
 * predicted by its accepted set (plan_partition), rather than beside it.
 * The prediction saves probes (one per suite accepted, no refusal per
 * chunk) but waits for TLS 1.2's longest chain, then connects afresh: at
 * least two round trips. It pays only while few probes are in flight
 * (parallel below PLAN_PREDICT_BELOW: --parallel, or a round trip under
 * PLAN_PREDICT_BELOW * PLAN_SLOW_PARALLEL_SPACING_MS), where the count of
 * probes bounds the scan; with more, the longest chain does (measured
 * behind 300 ms, 48 in flight: 3.5 s beside, 4.2 s predicted, gnutls-serv
 * legacy). */
#define PLAN_PREDICT_BELOW 32u
bool plan_predict_versions(unsigned parallel);

/* The suites of accepted[0..n) (another version's accepted set) that the
 * registry allows at version: the prediction plan_partition takes. Codes
 * the registry does not know are kept. Returns the count. */
size_t plan_predict(const uint16_t *accepted, size_t n, uint16_t version, uint16_t *out);
/* Split in[0..n) into the codes that are in pred[0..n_pred) (into hit, in
 * in's order) and the rest (into miss). Returns the number of hits; *n_miss
 * gets the rest's. A version's accepted set predicts another's (TLS 1.0,
 * 1.1 and 1.2 mostly share theirs): chunks of predicted suites end without
 * a refusal probe when the prediction holds, and the rest needs a single
 * one, while the elimination stays exact whatever the server does. */
size_t plan_partition(const uint16_t *in, size_t n, const uint16_t *pred, size_t n_pred,
                      uint16_t *hit, uint16_t *miss, size_t *n_miss);

/* Elimination over one disjoint set of code points. */
enum plan_elim_state {
    PLAN_ELIM_RUNNING,    /* offer elim.remaining next */
    PLAN_ELIM_DONE,       /* the server refused the rest: the picks are complete */
    PLAN_ELIM_INCOMPLETE, /* a probe could not tell: picks are certain, the rest unknown */
    PLAN_ELIM_DIED,       /* the offer of elim.remaining died suspiciously: see plan_poison_split */
};

/* Suites the server selected and then abandoned, kept per elimination. */
#define PLAN_MAX_BROKEN 32

struct plan_elim {
    uint16_t remaining[PLAN_MAX_CODES];
    size_t n_remaining;
    uint16_t picked[PLAN_MAX_CODES]; /* in the order the server picked them */
    size_t n_picked;
    enum plan_elim_state state;
    bool stop_at_one;   /* the set is known to be accepted: the last one needs no probe */
    bool first_pick_only; /* a version probe: one clean pick answers it */
    char why[160];      /* for INCOMPLETE or DIED, or an odd DONE (pick not offered) */
    uint16_t broken[PLAN_MAX_BROKEN]; /* PICK_DIED answers, in order */
    size_t n_broken;
};

enum plan_answer {
    PLAN_ANSWER_PICK,      /* a ServerHello (and, TLS <= 1.2, its whole flight) */
    PLAN_ANSWER_REFUSED,   /* a clean refusal of the offer (plan_refusal_suspicious false) */
    PLAN_ANSWER_UNKNOWN,
    PLAN_ANSWER_DIED,      /* a suspicious refusal: the server may have picked a suite it
                            * cannot complete, which hides the rest of the offer */
    PLAN_ANSWER_PICK_DIED, /* a ServerHello naming code, then an alert or a close before
                            * the flight ended: code is broken, the rest is still open */
};

void plan_elim_init(struct plan_elim *e, const uint16_t *codes, size_t n);
/* Record the answer to offering e->remaining. For a pick, code is what the
 * server chose. A pick that was not offered ends the elimination (the server
 * ignores the offer, so further probes would only repeat it) with a why. */
void plan_elim_answer(struct plan_elim *e, enum plan_answer answer, uint16_t code,
                      const char *why);
bool plan_elim_contains(const uint16_t *codes, size_t n, uint16_t code);
/* Whether offering e->remaining may lead to another offer: a pick leaves
 * something to offer (with stop_at_one, more than the one that needs no
 * probe). A version probe (first_pick_only) ends at its first clean pick. */
bool plan_elim_may_continue(const struct plan_elim *e);

/* ---- poisoned picks ----
 *
 * A server may select a suite it cannot complete (DHE without DH parameters,
 * an ECDSA suite with only an RSA certificate, a ServerKeyExchange that
 * fails) and then close, reset or send an alert that does not mean "no
 * common suite". Offered with others, such a suite hides every suite behind
 * it: a version looks unsupported, an elimination stops early. A clean
 * refusal is handshake_failure(40) or insufficient_security(71) (RFC 8446
 * Sec. 6.2; RFC 5246 Sec. 7.2.2); a close without an alert, a reset,
 * internal_error(80), illegal_parameter(47) or decode_error(50) are suspect
 * and make the engine split the offer instead of concluding. */
bool plan_refusal_suspicious(int alert); /* alert description, -1 for none (close, reset) */

/* Key-exchange families (the registry's kx column), the first split. */
enum plan_kx_family {
    PLAN_KX_ECDHE,
    PLAN_KX_DHE,
    PLAN_KX_RSA,
    PLAN_KX_STATIC_DH, /* DH_* and ECDH_* with certificate keys */
    PLAN_KX_OTHER,     /* PSK, SRP, anonymous, Kerberos, GOST, unknown code points */
    PLAN_KX_COUNT,
};
enum plan_kx_family plan_kx_family(uint16_t code);
const char *plan_kx_family_name(enum plan_kx_family f);

/* How this server refuses an offer with no suite it knows, per version: with
 * a clean alert, or otherwise (close, reset, another alert). Only when it
 * refuses cleanly does a suspicious end of a small offer single out a suite
 * the server selects and then abandons. */
enum plan_style { PLAN_STYLE_UNKNOWN, PLAN_STYLE_CLEAN, PLAN_STYLE_CLOSES };

enum plan_split_step {
    PLAN_SPLIT_FAMILIES,  /* parts: the key-exchange families present (level 0 only) */
    PLAN_SPLIT_HALVES,    /* parts: the two halves, offer order kept */
    PLAN_SPLIT_CULPRIT,   /* one suite, and the server refuses cleanly: it is broken */
    PLAN_SPLIT_NEED_STYLE,/* ask how the server refuses (one probe), then decide again */
    PLAN_SPLIT_GIVE_UP,   /* cannot be told from a refusal: take it as one */
};

#define PLAN_SPLIT_MAX_PARTS PLAN_KX_COUNT
/* Deeper than 1 (families) + log2(PLAN_MAX_CODES) halvings cannot help. */
#define PLAN_SPLIT_MAX_LEVEL 11u

struct plan_split {
    enum plan_split_step step;
    size_t n_parts;
    size_t part_len[PLAN_SPLIT_MAX_PARTS];
    uint16_t codes[PLAN_MAX_CODES]; /* the parts one after the other */
};

/* What to do with an offer (codes[0..n), at split level `level`, 0 for an
 * offer not split yet) that died suspiciously: at level 0 split it by family
 * when it holds more than one; otherwise, when the server refuses cleanly,
 * halve it down to the one suite that dies alone; when it does not, a death
 * is a refusal like any other. The parts are disjoint and cover codes. */
void plan_poison_split(const uint16_t *codes, size_t n, unsigned level, enum plan_style style,
                       struct plan_split *out);
/* Part `index` of a split (a slice of out->codes), its length in *n. */
const uint16_t *plan_split_part(const struct plan_split *s, size_t index, size_t *n);

/* Server-enforced order from the picks of the same set offered in two
 * different orders (forward and reversed), n_accepted suites accepted in all:
 * same pick with >= 2 accepted: YES; different picks: NO; otherwise UNKNOWN. */
enum tp_tri plan_server_order(bool have_forward, uint16_t forward, bool have_reverse,
                              uint16_t reverse, size_t n_accepted);

/* Per-probe time-out from what the scan measured so far (measured false:
 * nothing yet): rtt_ms is the smallest "ClientHello sent -> first byte back" seen, service_ms
 * the longest "ClientHello sent -> decisive reply". Before any measurement
 * PLAN_INITIAL_TIMEOUT_MS; after: clamp(4 * rtt + 500 ms, 1 s, 10 s), raised
 * to 2 * service_ms (still at most 10 s) for servers slow to compute their
 * key exchange. Connect time is not used: behind a relay or a proxy it
 * measures only the first hop. */
#define PLAN_INITIAL_TIMEOUT_MS 10000u
#define PLAN_MIN_TIMEOUT_MS 1000u
#define PLAN_MAX_TIMEOUT_MS 10000u
uint32_t plan_probe_timeout_ms(bool measured, uint32_t rtt_ms, uint32_t service_ms);

#endif
