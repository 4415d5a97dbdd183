/* conv.h: a short raw conversation with a server, for the vulnerability
 * checks: connect (and --starttls), send one hand-built hello (scan/probe.h
 * builds it), read the server's first flight through ServerHelloDone (or
 * the ChangeCipherSpec of an abbreviated handshake), then send the check's
 * own records and read what comes back, up to a decision, a close or a
 * time-out scaled on the flight's own round trip.
 *
 * Outcomes of the first step follow probe.h's rules: an alert or a close
 * without a byte is a refusal, a reset, a time-out or garbage unknown. */
#ifndef TP_VULN_CONV_H
#define TP_VULN_CONV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"
#include "net/net.h"
#include "scan/probe.h"
#include "util/clock.h"
#include "vuln/pace.h"
#include "wire/flight.h"
#include "wire/heartbeat.h"
#include "wire/ticket.h"

/* Two TLS 1.2 session tickets from two full handshakes (ticket.c),
 * fetched once for Ticketbleed (the first) and the ticket key check (both):
 * whichever check comes first fetches them under the lock, the other
 * waits for it. got: 1 a ticket, 0 none issued, -1 unknown (why). */
struct vuln_tickets {
    pthread_mutex_t lock;
    bool done;
    int got[2];
    tp_ticket t[2];
    char why[2][300];
};

/* What the checks running side by side share: the run's smallest round
 * trip (vuln/pace.h), under its lock, and the tickets. */
struct vuln_shared {
    pthread_mutex_t lock;
    bool measured;
    uint32_t rtt_ms;
    struct vuln_gate gate;
    struct vuln_tickets tickets;
};

/* One per running check (and per ROBOT vector): connections counts this
 * one's, summed by whoever started it. */
struct vuln_ctx {
    const struct tp_config *cfg;
    const struct tp_addr *addr;
    const char *sni;
    tp_deadline deadline;
    struct vuln_shared *shared;
    /* The slowest answer this check has timed to the records it sends
     * after a flight (conv.answer_ms), 0 for none: a CONV_WAIT_SILENCE
     * lasts at least twice that (vuln_silence_ms()). Set by the check. */
    uint32_t answer_ms;
    uint32_t connections; /* opened so far */
    const char *check;    /* the check's id, for TLSPROBE_TRACE */
    /* Behind a slow link (--enum's scan measured it): checks that want
     * nothing after the server's flight send our FIN behind the hello
     * (conv_open_flight), ROBOT's key exchange alone behind it, so that a
     * server serving one connection at a time is not held a round trip
     * per connection. */
    bool half_close;
    /* The scan's round trip (0: no scan): the first flight's wait scales
     * on it (vuln_flight_wait_ms()). */
    uint32_t link_rtt_ms;
};

enum conv_state {
    CONV_FLIGHT = 0, /* a whole first flight: flight holds it */
    CONV_REFUSED,    /* an alert or a close instead of a ServerHello */
    CONV_UNKNOWN,    /* connect failure, reset, time-out, not TLS, malformed */
};

struct conv {
    int fd;
    uint8_t *buf;             /* everything received, flight first */
    size_t len;
    size_t flight_len;        /* bytes of the flight (whole records) */
    tp_flight flight;         /* parsed from buf[0..flight_len) */
    uint32_t rtt_ms;          /* hello sent -> first byte */
    uint32_t flight_ms;       /* hello sent -> flight complete */
    uint32_t answer_ms;       /* conv_read_reply() -> first byte or close; CONV_NO_ANSWER */
    char why[200];
};

/* How the server answered what we sent after its flight. */
enum reply_end {
    REPLY_DECIDED = 0,        /* the check's predicate said enough */
    REPLY_CLOSED,             /* the server closed (FIN) */
    REPLY_RESET,              /* reset */
    REPLY_TIMEOUT,            /* nothing more within the wait */
};

/* Connect, send the hello spec describes, read the flight. On CONV_FLIGHT
 * the conversation is open; conv_close() it in every case. */
enum conv_state conv_open(struct vuln_ctx *ctx, const struct probe_spec *spec, struct conv *c);
void conv_close(struct conv *c);
/* The same for a check that reads the flight only; with ctx->half_close
 * our end of stream goes right behind the hello, so a server waiting for our next message ends
 * the connection once its flight is out instead of holding it until our
 * close (one that serves one connection at a time holds every other
 * meanwhile: a round trip per check behind a slow link). Asked again
 * without it when nothing came back (conv_open's answer then). */
enum conv_state conv_open_flight(struct vuln_ctx *ctx, const struct probe_spec *spec,
                                 struct conv *c);
/* The same with a hello built by the caller (record framing included);
 * c is initialised here, as by conv_open(). */
enum conv_state conv_open_raw(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                              struct conv *c);
/* conv_open_flight() with a hello built by the caller. */
enum conv_state conv_open_raw_flight(struct vuln_ctx *ctx, const uint8_t *hello, size_t len,
                                     struct conv *c);

/* The same with records of the check's sent right behind the hello (and
 * our end of stream behind them), before any flight came back: a server
 * reads them as they queue, so one that serves one connection at a time is
 * held no round trip by this connection. The flight is read as by
 * conv_open(), except that an alert following it in the same read makes
 * the answer CONV_REFUSED with flight.kind TP_FLIGHT_SERVER_HELLO: the
 * caller reads the whole conversation (flight_len is left 0). */
enum conv_state conv_open_pipelined(struct vuln_ctx *ctx, const struct probe_spec *spec,
                                    const uint8_t *after, size_t after_len, struct conv *c);

/* Connect to the check's address under the run's --max-connections and
 * --delay (vuln/pace.h) and count it; -1 with why on a failure. Every
 * connection of the checks is opened here. */
int vuln_connect(struct vuln_ctx *ctx, char *why, size_t size);

/* Send bytes; false (with c->why) on a failure. */
bool conv_send(struct conv *c, const uint8_t *p, size_t n);

/* Read after the flight until enough(reply, arg) is true, the server
 * closes or resets, or the wait ends: wait_ms, or CONV_WAIT_SILENCE (a
 * quick wait on the run's round trip, vuln_silence_ms(): only where a
 * silence decides nothing alone) or CONV_WAIT_PATIENT (vuln_patience_ms()
 * on this connection's times). *reply scans every record received after
 * the flight. */
#define CONV_WAIT_SILENCE 0u
#define CONV_WAIT_PATIENT UINT32_MAX
#define CONV_NO_ANSWER UINT32_MAX
typedef bool (*reply_enough_fn)(const tp_reply *reply, void *arg);
enum reply_end conv_read_reply(struct conv *c, struct vuln_ctx *ctx, uint32_t wait_ms,
                               reply_enough_fn enough, void *arg, tp_reply *reply);

/* snprintf that may cut: details are one line, a cut one is fine. */
void vuln_strf(char *out, size_t size, const char *fmt, ...) TP_PRINTF(3, 4);

/* A one-line description of a reply ("alert unexpected_message (10)",
 * "a close without an alert", "no reply within 1500 ms"). */
void conv_describe(const tp_reply *reply, enum reply_end end, char *out, size_t size);

#endif
