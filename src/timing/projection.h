/* projection.h: what a measured handshake would cost on a constrained link.
 *
 * THE MODEL (also returned as text by tp_projection_model()):
 * Flights are sent in order. For flight i in direction d:
 *   ready_i  = arrival of flight i-1      if it waits for the peer
 *            = start of flight i-1        otherwise (pipelined behind it)
 *   start_i  = max(ready_i, channel free) one channel per direction, one
 *                                         shared channel on half-duplex links,
 *              + ack_i                    (below)
 *   MSS      = MTU - IP header (20, IPv6 40) - TCP 20 - TCP options (12:
 *              timestamps, RFC 7323)
 *   packets  = ceil(bytes / MSS); wire = bytes + packets * (IP + TCP + options)
 *   ser_i    = wire * 8 / bandwidth(d)
 *   slow start (RFC 5681 Sec. 3.1, IW10 RFC 6928): the direction's window cwnd
 *              starts at 10 segments and doubles each round; a flight of more
 *              than cwnd packets sends cwnd, then waits for the first ACK,
 *              stall = max(0, RTT - ser(window)) per extra round; after the
 *              flight cwnd += packets.
 *   loss     = sum over packets of P(lost) * RTO, RTO = max(1 s, 3 * RTT)
 *              (RFC 6298 Sec. 2.2-2.4: SRTT = R, RTTVAR = R/2) and 1 s for
 *              SYN / SYN-ACK (Sec. 2.1); P(lost) = p, or 1-(1-p)^k when the
 *              packet is carried in k link frames. First-order expectation:
 *              a retransmission is assumed not to be lost again.
 *   framing  (frame_payload > 0): k = ceil(packet wire size / frame payload)
 *              frames per packet; the bandwidth already is usable throughput,
 *              so frames add no bytes. Without an IP layer (MTU 0, LoRaWAN)
 *              IP/TCP headers are assumed compressed away (SCHC, RFC 8724)
 *              and each frame carries frame_payload TLS bytes: a lower bound.
 *   duty cycle d: after each frame (packet when unframed) of airtime a the
 *              sender is silent a * (1/d - 1) (ETSI EN 300 220); silences
 *              between a flight's frames delay it, the trailing one delays
 *              the sender's next flight.
 *   think_i  (params.think_ms, when given): the sender's own processing
 *              before a flight that waits, as measured where the flights
 *              were (the link does not change it): ready_i = arrival of
 *              flight i-1 + think_i; 0 when not given (TCP: not measured).
 *   sent_i   = start_i + ser_i + slow start + loss + duty-cycle silence
 *   arrival_i = sent_i + RTT/2 (propagation)
 * Radio set-up (setup_ms) is paid once, before the first packet. The TCP
 * handshake is SYN (client) then SYN-ACK (server, waits), 20 bytes of TCP
 * options each. The client sends nothing before the SYN-ACK has arrived
 * (RFC 9293 Sec. 3.5; no TCP Fast Open), so the first flight always waits
 * for it. A receiver acknowledges at once early in a connection (quick ACK;
 * the peer's answer needs its application first), so a flight that
 * answers the other side's leaves behind one pure ACK (header only: IP,
 * TCP and options) in its own direction: ack_ms, counted as serialisation
 * (the TCP handshake's third ACK before the ClientHello, the client's ACK
 * of the server's last packet before its next flight, ...). Other pure
 * ACKs travel while their direction is otherwise idle and are not
 * modelled; no ACK is counted in wire_bytes or packets.
 *
 * The total is the moment the client may send application data: the later
 * of the start of its last flight (data can follow its Finished at once)
 * and the arrival of the server's last flight. Flights after the handshake
 * (TLS 1.3 NewSessionTicket, RFC 8446 Sec. 4.6.1) are not given. So:
 *   TLS 1.2 full (RFC 5246 Sec. 7.3): SYN/SYN-ACK, ClientHello ..
 *     ServerHelloDone, ClientKeyExchange..Finished .. [NewSessionTicket]
 *     Finished: 3 round trips; a ticket rides in the server's last flight
 *     and costs bytes, not a round trip;
 *   TLS 1.2 full with False Start (RFC 7918, params.false_start): data goes
 *     with the client's Finished: 2 round trips;
 *   TLS 1.2 abbreviated (session ID or ticket, RFC 5077): the server
 *     finishes first, the client's Finished can carry data: 2;
 *   TLS 1.3 full or PSK (RFC 8446 Sec. 2, no 0-RTT): 2.
 * false_start_total_ms is the total with False Start whatever the params
 * say (equal to total_ms where it changes nothing). The breakdown follows
 * the critical path to that moment, so the parts add up to the total. */
#ifndef TP_TIMING_PROJECTION_H
#define TP_TIMING_PROJECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timing/link.h"
#include "util/err.h"

enum tp_dir { TP_DIR_C2S = 0, TP_DIR_S2C = 1 };

/* One measured flight: consecutive TLS records in one direction. */
struct tp_flight {
    const char *label; /* borrowed, e.g. "ClientHello"; may be NULL */
    enum tp_dir dir;
    uint32_t bytes;    /* TLS bytes, record headers included */
    uint32_t records;
    bool waits;        /* sent only once the previous flight has arrived */
};

struct tp_proj_params {
    /* DTLS over UDP (tp_projection_model_dtls()): no TCP handshake, no slow
     * start, 8-byte UDP headers, and a lost datagram costs its whole
     * flight the retransmission timer. */
    bool datagram;
    bool tcp_handshake;   /* put SYN / SYN-ACK before the first flight */
    bool ipv6;            /* 40-byte IP header instead of 20 */
    uint32_t tcp_options; /* TCP option bytes per data segment */
    uint32_t init_window; /* initial congestion window, segments */
    bool false_start;     /* TLS 1.2 False Start (RFC 7918): the client is done
                             when it sends its Finished */
    /* Per input flight, its sender's processing before it (think_i above),
     * ms; NULL for none. Borrowed, n_flights entries. */
    const double *think_ms;
};

/* tcp_handshake on, IPv4, 12 option bytes, IW10, no False Start. */
void tp_proj_params_default(struct tp_proj_params *params);

#define TP_PROJ_MAX_FLIGHTS 32

enum tp_proj_part {
    TP_PART_SETUP,
    TP_PART_PROPAGATION,
    TP_PART_SERIALISATION,
    TP_PART_SLOW_START,
    TP_PART_LOSS,
    TP_PART_DUTY_CYCLE,
    TP_PART_PROCESSING, /* the peers' measured processing (think_ms) */
    TP_PART_COUNT
};

/* "setup", "propagation", "serialisation", "slow-start", "loss", "duty-cycle",
 * "processing" */
const char *tp_proj_part_name(enum tp_proj_part part);

struct tp_proj_flight {
    const char *label;  /* from the input, or "SYN" / "SYN-ACK" */
    enum tp_dir dir;
    uint32_t bytes, records;
    uint32_t packets, frames; /* frames = packets when the link is not framed */
    uint32_t wire_bytes;      /* bytes plus IP/TCP headers */
    uint32_t slow_start_rounds; /* extra round trips waiting for ACKs */
    double start_ms, sent_ms, end_ms; /* first bit out, last bit out, last bit in */
    double serialisation_ms, slow_start_ms, loss_ms, duty_ms;
    double ack_ms;            /* the pure ACK before it, see above */
};

struct tp_projection {
    struct tp_proj_flight flights[TP_PROJ_MAX_FLIGHTS + 2];
    size_t n_flights;           /* TCP handshake included */
    double total_ms;            /* the client may send data (see above) */
    double parts_ms[TP_PART_COUNT]; /* critical path; adds up to total_ms */
    double round_trips;         /* propagation on the critical path / RTT */
    double false_start_total_ms; /* total_ms with False Start */
    double false_start_round_trips;
    uint64_t tls_bytes[2];      /* per tp_dir */
    uint64_t wire_bytes[2];     /* bytes on air per tp_dir */
    uint32_t packets, frames;
    uint32_t timer_copies;      /* DTLS: flights its timers sent again before
                                   their answers arrived (lose= aside) */
    bool practical;             /* false: see why */
    char why[320];
};

/* Project flights (at most TP_PROJ_MAX_FLIGHTS) onto link. params may be
 * NULL for the defaults. */
TP_MUST_CHECK tp_status tp_project(const struct tp_link *link, const struct tp_proj_params *params,
                                   const struct tp_flight *flights, size_t n_flights,
                                   struct tp_projection *out, tp_error *err);

/* The model above as one paragraph, for text and JSON output. */
const char *tp_projection_model(void);

/* THE DTLS MODEL (params->datagram), which changes the one above so:
 *   no TCP handshake: the first flight is the ClientHello; a cookie
 *              exchange (HelloVerifyRequest) is one more round trip, as
 *              measured;
 *   datagrams = ceil(bytes / (MTU - IP header - UDP 8)): handshake messages
 *              are fragmented at the link MTU (RFC 6347 Sec. 4.2.3), each
 *              datagram carrying IP + UDP headers;
 *   no congestion window: a flight is sent at once;
 *   loss      = P(flight lost) * T, P = 1-(1-p)^frames over the flight's
 *              frames (any lost datagram makes the sender repeat the whole
 *              flight, Sec. 4.2.4), T = 1 s, the initial retransmission
 *              timer (Sec. 4.2.4.1; RFC 9147 Sec. 5.8.2), doubled per
 *              further loss; first-order, a repeat is not lost again. When
 *              the RTT exceeds T the timer fires before the answer can
 *              arrive: flights are sent again needlessly (spurious
 *              retransmissions);
 *   timers    each flight but the last arms its sender's timer, T from
 *              when it is ready (handed to the link, however busy the
 *              channel), doubled per expiry; every expiry before the answer
 *              arrives puts a copy of the flight on its sender's channel
 *              (serialisation again), which that sender's next flight waits
 *              for (timer_copies; the copy's channel time is loss). The
 *              peer's answer to a copy is not modelled (first order);
 *   lose=     (struct tp_link lost_flights) flight n known lost once: its
 *              first copy takes its air time, the sender's timer sends it
 *              again T after it was ready, once the first copy is off the
 *              channel (loss part), and that timer then runs at 2T;
 *   think     the measured processing of each flight's sender (the
 *              caller's think_ms), as above: a server that takes 50 ms to
 *              answer takes them on any link.
 * Framing and duty cycle as above. */
const char *tp_projection_model_dtls(void);

/* ---- What would shrink it ---- */

enum tp_leaf_key { TP_LEAF_UNKNOWN = 0, TP_LEAF_RSA, TP_LEAF_EC, TP_LEAF_EDDSA };

/* The handshake's shape, as far as the suggestions need it. */
struct tp_hs_shape {
    uint16_t version;            /* TP_VER_TLS12 or TP_VER_TLS13 (wire/registry.h) */
    size_t cert_flight;          /* index into flights of the server's Certificate flight */
    uint32_t cert_msg_bytes;     /* Certificate message, 4-byte header included */
    uint32_t server_kx_bytes;    /* CertificateVerify (1.3) / ServerKeyExchange (1.2) message */
    uint32_t client_kx_bytes;    /* ClientKeyExchange message (1.2), 0 if unknown */
    enum tp_leaf_key leaf_key;
    uint32_t leaf_key_bits;      /* RSA modulus bits */
    uint32_t intermediate_bytes; /* DER of an intermediate that could go; 0 = none */
};

enum tp_suggest_id {
    TP_SUGGEST_ECDSA_LEAF,
    TP_SUGGEST_SHORTER_CHAIN,
    TP_SUGGEST_CERT_COMPRESSION,
    TP_SUGGEST_RESUMPTION,
    TP_SUGGEST_TLS13,
    TP_SUGGEST_RECORD_SIZE_LIMIT,
    TP_SUGGEST_COUNT
};

struct tp_suggestion {
    const char *name;      /* static: "ecdsa-leaf", "shorter-chain", ... */
    bool applicable;       /* false: assumption says why not */
    double saving_ms;      /* projected total minus the altered one; may be < 0 */
    int64_t saving_bytes;  /* bytes on air, both directions; may be < 0 */
    char assumption[320];
};

struct tp_whatif {
    double cert_share;     /* Certificate message / all TLS bytes, 0..1 */
    struct tp_suggestion items[TP_SUGGEST_COUNT];
};

/* Assumed sizes, stated in each suggestion's text. */
#define TP_P256_SPKI_BYTES 91u   /* DER SubjectPublicKeyInfo, uncompressed point */
#define TP_P256_SIG_BYTES 72u    /* DER ECDSA-Sig-Value, upper bound */
#define TP_RSA_SPKI_EXTRA 38u    /* SPKI = modulus bytes + 38 (2048: 294) */
#define TP_CERT_COMPRESSION_PERCENT 70u /* compressed size, % of the chain */
#define TP_TICKET_BYTES 128u     /* session ticket the client echoes */

/* Re-project flights with one change at a time. The shape's cert_flight must
 * be a server flight. */
TP_MUST_CHECK tp_status tp_project_whatif(const struct tp_link *link,
                                          const struct tp_proj_params *params,
                                          const struct tp_flight *flights, size_t n_flights,
                                          const struct tp_hs_shape *shape, struct tp_whatif *out,
                                          tp_error *err);

#endif
