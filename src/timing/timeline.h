/* timeline.h: transfers of one TLS connection -> flights.
 *
 * Bytes go in as they moved, per direction, with the time they moved (the
 * TLS transport hook of a live handshake, or a reassembled TCP stream of a
 * capture file). A flight is a maximal run of transfers in one direction
 * (RFC 8446 Sec. 2 and RFC 5246 Sec. 7.3 draw handshakes as such runs).
 * Each direction's bytes are also parsed as TLS records (RFC 8446 Sec.
 * 5.1): records are counted per flight, and the plaintext handshake
 * messages (RFC 8446 Sec. 4; everything before the sender's
 * ChangeCipherSpec in TLS 1.2, only the ServerHello in TLS 1.3) are
 * reassembled, named and measured, and handed to an optional callback
 * (the --read audit parses hellos and certificates there).
 *
 * Labels follow what was seen: "ClientHello", "ServerHello..ServerHelloDone",
 * "ClientKeyExchange..Finished", "ServerHello..Finished" (TLS 1.3, whose
 * EncryptedExtensions..Finished are encrypted and counted as records only),
 * "Finished", "NewSessionTicket". The handshake is complete when both
 * sides' Finished were seen: a server flight after that is post-handshake
 * (TLS 1.3 tickets, RFC 8446 Sec. 4.6.1); an alert-only flight after it
 * (close_notify) is dropped. Round trips count the server flights the
 * client waited for before completion. */
#ifndef TP_TIMING_TIMELINE_H
#define TP_TIMING_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/timing_model.h"
#include "util/err.h"
#include "wire/handshake.h"
#include "wire/record.h"

/* A plaintext handshake message as reassembled: type and borrowed body,
 * valid only during the call. Returning a failure status stops the
 * builder (tp_tl_feed returns it). */
typedef tp_status (*tp_tl_msg_fn)(void *ctx, enum tp_dir dir, const tp_hs_msg *msg,
                                  uint64_t t_ns);

/* Flights the builder tracks before merging the rest into the last. */
#define TP_TL_RAW_FLIGHTS TP_TL_MAX_FLIGHTS
/* Names kept per flight, in order, for its label. */
#define TP_TL_ITEMS 12

struct tp_tl_dir {
    uint8_t hdr[TP_RECORD_HEADER_LEN];
    size_t hdr_have;
    size_t body_left;        /* fragment bytes of the current record still to come */
    uint8_t type;            /* current record's content type */
    bool in_body;
    bool ccs;                /* this side sent ChangeCipherSpec: the rest is encrypted */
    bool broken;             /* not parsable as records any more */
    /* Plaintext handshake fragments go in as they arrive: handshake
     * messages are one byte stream across records (RFC 8446 Sec. 5.1), so
     * no record needs to be held whole. */
    tp_hs_reasm reasm;
    bool reasm_broken;
    bool finished;           /* this side's Finished was seen */
    /* TLS 1.3 protects the Finished: it ends the sender's first protected
     * flight, known to be over when the other side next sends. */
    size_t pending_fin;      /* that flight; SIZE_MAX none */
    uint64_t fin_ns;         /* when the Finished moved */
};

struct tp_tl_raw {
    enum tp_dir dir;
    uint64_t start_ns, end_ns;
    uint64_t bytes;
    uint32_t records;
    const char *items[TP_TL_ITEMS]; /* static names */
    size_t n_items;
    bool has_server_hello, has_ccs, has_finished, alert_only;
    uint32_t alerts, encrypted;
};

typedef struct tp_tl_builder {
    uint64_t t0_ns;               /* times are reported relative to this */
    struct tp_tl_dir d[2];
    struct tp_tl_raw f[TP_TL_RAW_FLIGHTS];
    size_t n;
    bool merged;                  /* more flights than fit: the rest were merged */
    uint16_t version;             /* from the ServerHello */
    bool hrr, sh_seen, resumed_hint;
    uint32_t cert_msg_bytes, ske_bytes, cke_bytes;
    size_t cert_flight;           /* SIZE_MAX none */
    size_t complete_flight;       /* flight in which the handshake completed; SIZE_MAX */
    uint64_t complete_ns;         /* when the second Finished moved */
    /* A TLS 1.3 client's compatibility ChangeCipherSpec (RFC 8446 App. D.4)
     * sent on its own while the server's flight still arrives: counted
     * with the client's next flight instead of splitting the server's. */
    uint64_t carry_bytes;
    uint32_t carry_records;
    tp_tl_msg_fn on_msg;
    void *ctx;
    tp_status failed;             /* a callback failure, sticky */
} tp_tl_builder;

/* Caller-owned: init, feed, result, finish. on_msg may be NULL. */
void tp_tl_init(tp_tl_builder *b, uint64_t t0_ns, tp_tl_msg_fn on_msg, void *ctx);
void tp_tl_finish(tp_tl_builder *b);

/* len bytes moved in dir at t_ns; data may be NULL when the bytes are
 * unknown (then they are counted, but records are no longer parsed in that
 * direction). Fails only with a callback's status or TP_E_NOMEM. */
TP_MUST_CHECK tp_status tp_tl_feed(tp_tl_builder *b, enum tp_dir dir, uint64_t t_ns,
                                   const uint8_t *data, size_t len);

/* True once nothing more of the handshake can come: it completed and a
 * flight after the post-handshake one began (a reader may stop feeding). */
bool tp_tl_done(const tp_tl_builder *b);

/* Facts from elsewhere that the wire does not show (TLS 1.3 encrypts the
 * Certificate message). Zero fields are unknown. */
struct tp_tl_facts {
    uint16_t version;             /* negotiated version, if the ServerHello was not seen */
    bool resumed;
    const uint32_t *cert_der;     /* DER sizes of the chain, leaf first */
    size_t n_certs;
    uint32_t cert_verify_bytes;   /* estimated CertificateVerify message */
};

/* The timeline so far (it may be called before the connection ended). */
void tp_tl_result(const tp_tl_builder *b, const struct tp_tl_facts *facts,
                  struct tp_timeline *out);

/* The handshake's flights (post-handshake ones left out) as projection
 * input, at most max; labels are borrowed from tl. Every flight answers the
 * one before it (waits), the first the TCP handshake. Returns the count. */
size_t tp_tl_flights(const struct tp_timeline *tl, struct tp_flight *out, size_t max);

/* TLS 1.3 Certificate message size for a chain of DER sizes, assuming no
 * per-entry extensions (RFC 8446 Sec. 4.4.2). */
uint32_t tp_tl_cert13_bytes(const uint32_t *der, size_t n);

/* Estimated CertificateVerify message (RFC 8446 Sec. 4.4.3: 4-byte header,
 * 2-byte scheme, 2-byte length, signature) for a leaf key. key_type as in
 * struct tp_cert ("RSA", "RSA-PSS", "EC", "Ed25519", "Ed448"). */
uint32_t tp_tl_cert_verify_bytes(const char *key_type, unsigned key_bits);

#endif
