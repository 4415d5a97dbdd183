/* projection.c: the model is stated in projection.h. Times are milliseconds
 * as doubles; every instant carries its breakdown (how much of it is set-up,
 * propagation, ...), so that the total's breakdown is that of the critical
 * path and adds up exactly. */
#include "timing/projection.h"

#include <stdio.h>
#include <string.h>

#include "wire/registry.h"

#include "util/banned.h"

#define TCP_HEADER 20u
#define UDP_HEADER 8u
/* RFC 6347 Sec. 4.2.4.1: initial retransmission timer. */
#define DTLS_TIMER_MS 1000.0
#define SYN_OPTIONS 20u /* MSS 4, SACK-permitted 2, timestamps 10, window scale 3, NOP */
#define IW_DEFAULT 10u  /* RFC 6928 */

/* An instant, kept as the sum of its parts. */
struct instant {
    double part[TP_PART_COUNT];
};

static double at(const struct instant *t)
{
    double sum = 0.0;
    for (int i = 0; i < TP_PART_COUNT; i++)
        sum += t->part[i];
    return sum;
}

static struct instant later(struct instant a, struct instant b)
{
    return at(&b) > at(&a) ? b : a;
}

void tp_proj_params_default(struct tp_proj_params *params)
{
    params->datagram = false;
    params->tcp_handshake = true;
    params->ipv6 = false;
    params->tcp_options = 12; /* timestamps, RFC 7323 Sec. 3 (10 + 2 NOP) */
    params->init_window = IW_DEFAULT;
    params->false_start = false;
    params->think_ms = NULL;
}

const char *tp_proj_part_name(enum tp_proj_part part)
{
    static const char *const names[TP_PART_COUNT] = {
        "setup", "propagation", "serialisation", "slow-start", "loss", "duty-cycle",
        "processing",
    };
    return (unsigned)part < TP_PART_COUNT ? names[part] : "unknown";
}

const char *tp_projection_model(void)
{
    return "per flight: wait for the previous flight's arrival when it starts a round trip "
           "(the first flight always waits for the SYN-ACK); "
           "serialisation of bytes + per-packet IP/TCP headers (IPv4 20 or IPv6 40, TCP 20, "
           "options 12) over ceil(bytes/MSS) packets, MSS = MTU - headers, at the direction's "
           "bandwidth; TCP slow start from IW10 (RFC 6928), one stall of max(0, RTT - window "
           "serialisation) per extra round; expected loss cost P(lost) * RTO per packet, RTO = "
           "max(1 s, 3 RTT) (RFC 6298), P = 1-(1-p)^frames on framed links; duty-cycle silence "
           "a*(1/d-1) after each frame; then RTT/2 propagation. Radio set-up once at the start; "
           "half-duplex links share one channel; a flight that answers the peer follows the "
           "pure ACK (headers only) its side sent at once (quick ACK), other ACKs not "
           "modelled; no IP layer means headers compressed away (SCHC), a lower bound. The "
           "total ends when the client may "
           "send data: the later of the start of its last flight and the arrival of the "
           "server's last one (TLS 1.2 full 3 round trips with TCP, 2 with False Start, RFC "
           "7918, which the total does not assume; TLS 1.2 resumed and TLS 1.3 2; a 1.2 "
           "ticket rides in the server's last flight).";
}

const char *tp_projection_model_dtls(void)
{
    return "DTLS over UDP: no TCP handshake (a cookie exchange is one more measured round "
           "trip); handshake messages fragmented at the link MTU into datagrams of IP (20 or "
           "40) + UDP 8 header bytes; no congestion window; expected loss cost P(flight lost) "
           "* 1 s per flight (any lost datagram repeats the whole flight after the initial "
           "retransmission timer, RFC 6347 Sec. 4.2.4.1), P = 1-(1-p)^frames; a flight known "
           "lost (lose=) is sent again 1 s after it was handed to the link, once its first copy "
           "has left; each flight's timer (1 s from then, doubled per expiry) fires until its "
           "answer arrives, and every "
           "expiry puts a copy of the flight on its sender's channel, which that sender's next "
           "flight waits for (spurious retransmissions when the round trip exceeds 1 s; the "
           "peer's answer to a copy not modelled); each flight's sender takes the processing "
           "time measured before it (the fastest server answer taken as the round trip, 0 on "
           "loopback); serialisation at the direction's bandwidth, duty-cycle silence "
           "a*(1/d-1) after each frame, RTT/2 propagation, radio set-up once.";
}

/* What one flight (or SYN) costs on the link, before placing it in time. */
struct cost {
    uint32_t packets, frames, wire;
    double ser_ms, slow_ms, loss_ms, duty_inner_ms, duty_tail_ms;
    double ack_ms; /* the pure ACK sent before the flight */
    uint32_t rounds;
    bool lost_once; /* DTLS, known lost (link lose=): see place() */
};

struct shape_of_link {
    uint32_t header;  /* IP + TCP + options per data packet, 0 without IP */
    uint32_t mss;     /* TLS bytes per packet */
    double rto_ms;
    bool datagram;    /* DTLS: a loss repeats the flight, no slow start */
};

static double ser_ms(uint64_t bytes, double bps)
{
    return (double)bytes * 8.0 * 1000.0 / bps;
}

static uint32_t div_up(uint64_t a, uint64_t b)
{
    return (uint32_t)((a + b - 1) / b);
}

static double lost_probability(const struct tp_link *link, uint32_t frames_per_packet)
{
    double keep = 1.0;
    for (uint32_t i = 0; i < frames_per_packet; i++)
        keep *= 1.0 - link->loss;
    return 1.0 - keep;
}

/* Frames needed for packets of wire bytes in total, each at most one MSS of
 * payload plus header. */
static uint32_t frames_for(const struct tp_link *link, const struct shape_of_link *sh,
                           uint32_t bytes, uint32_t packets)
{
    if (link->frame_payload == 0 || link->mtu == 0)
        return packets;
    uint32_t full = bytes / sh->mss, rest = bytes % sh->mss;
    uint32_t frames = full * div_up(sh->mss + sh->header, link->frame_payload);
    if (rest > 0)
        frames += div_up(rest + sh->header, link->frame_payload);
    return frames;
}

static void add_loss(const struct tp_link *link, const struct shape_of_link *sh,
                     struct cost *c, uint32_t bytes, double rto_ms)
{
    if (link->loss <= 0.0)
        return;
    if (link->frame_payload == 0 || link->mtu == 0) {
        c->loss_ms = c->packets * link->loss * rto_ms;
        return;
    }
    uint32_t full = bytes / sh->mss, rest = bytes % sh->mss;
    c->loss_ms = full * lost_probability(link, div_up(sh->mss + sh->header, link->frame_payload)) *
                 rto_ms;
    if (rest > 0)
        c->loss_ms += lost_probability(link, div_up(rest + sh->header, link->frame_payload)) *
                      rto_ms;
}

static void add_duty(const struct tp_link *link, struct cost *c)
{
    if (link->duty_cycle <= 0.0 || link->duty_cycle >= 1.0 || c->frames == 0)
        return;
    double silence = c->ser_ms / c->frames * (1.0 / link->duty_cycle - 1.0);
    c->duty_inner_ms = silence * (c->frames - 1);
    c->duty_tail_ms = silence;
}

/* Slow start: rounds of cwnd, 2 cwnd, ... full-size packets. */
static void add_slow_start(const struct tp_link *link, const struct shape_of_link *sh,
                           struct cost *c, uint32_t *cwnd, double bps)
{
    uint64_t left = c->packets, window = *cwnd;
    while (left > window) {
        double window_ms = ser_ms(window * (uint64_t)(sh->mss + sh->header), bps);
        if (window_ms < link->rtt_ms)
            c->slow_ms += link->rtt_ms - window_ms;
        c->rounds++;
        left -= window;
        window *= 2;
    }
    uint64_t grown = (uint64_t)*cwnd + c->packets;
    *cwnd = grown > UINT32_MAX ? UINT32_MAX : (uint32_t)grown;
}

static struct cost flight_cost(const struct tp_link *link, const struct shape_of_link *sh,
                               uint32_t bytes, double bps, uint32_t *cwnd)
{
    struct cost c;
    memset(&c, 0, sizeof c);
    if (bytes == 0)
        return c;
    c.packets = div_up(bytes, sh->mss);
    c.wire = bytes + c.packets * sh->header;
    c.frames = frames_for(link, sh, bytes, c.packets);
    c.ser_ms = ser_ms(c.wire, bps);
    if (sh->datagram) {
        if (link->loss > 0.0)
            c.loss_ms = lost_probability(link, c.frames) * sh->rto_ms;
        add_duty(link, &c);
        return c;
    }
    add_slow_start(link, sh, &c, cwnd, bps);
    add_loss(link, sh, &c, bytes, sh->rto_ms);
    add_duty(link, &c);
    return c;
}

static struct cost syn_cost(const struct tp_link *link, const struct tp_proj_params *p,
                            double bps)
{
    struct cost c;
    memset(&c, 0, sizeof c);
    c.packets = 1;
    c.wire = link->mtu == 0 ? 0 : (p->ipv6 ? 40u : 20u) + TCP_HEADER + SYN_OPTIONS;
    c.frames = link->frame_payload && c.wire ? div_up(c.wire, link->frame_payload) : 1;
    c.ser_ms = ser_ms(c.wire, bps);
    if (link->loss > 0.0)
        c.loss_ms = lost_probability(link, c.frames) * 1000.0; /* RFC 6298 Sec. 2.1 */
    add_duty(link, &c);
    return c;
}

/* Armed at set for ms; each expiry puts a copy (ser_ms) on channel ch. */
struct dtls_timer {
    struct instant set;
    double ms, ser_ms;
    int ch;
    bool on;
};

struct sim {
    const struct tp_link *link;
    const struct tp_proj_params *params;
    struct shape_of_link sh;
    struct instant chan_free[2];
    struct instant prev_start, prev_arrival;
    /* The client's last flight began; the server's last flight arrived,
     * overall and before the client's last flight. */
    struct instant client_start, server_arrival, server_arrival_before;
    uint32_t cwnd[2];
    int prev_dir;                 /* of the last flight placed; -1 none */
    /* DTLS: the retransmission timer of the flight before the last one
     * placed, until the last one (its answer) arrives (RFC 6347 Sec.
     * 4.2.4); armed: the last one's, which place() starts. */
    struct dtls_timer timer, armed;
    struct tp_projection *out;
};

static void place(struct sim *s, const char *label, enum tp_dir dir, uint32_t bytes,
                  uint32_t records, bool waits, double think_ms, const struct cost *c)
{
    const struct tp_link *link = s->link;
    int ch = link->half_duplex ? 0 : (int)dir;
    /* An answer needs its sender's processing after the arrival; the
     * channel may be busy meanwhile (both run at once). */
    struct instant ready = waits ? s->prev_arrival : s->prev_start;
    if (waits && think_ms > 0.0)
        ready.part[TP_PART_PROCESSING] += think_ms;
    struct instant t = later(ready, s->chan_free[ch]);
    struct tp_proj_flight *f = &s->out->flights[s->out->n_flights++];
    t.part[TP_PART_SERIALISATION] += c->ack_ms;
    s->prev_dir = (int)dir;

    f->label = label;
    f->dir = dir;
    f->bytes = bytes;
    f->records = records;
    f->packets = c->packets;
    f->frames = c->frames;
    f->wire_bytes = c->wire;
    f->slow_start_rounds = c->rounds;
    f->serialisation_ms = c->ser_ms;
    f->slow_start_ms = c->slow_ms;
    f->loss_ms = c->loss_ms;
    f->duty_ms = c->duty_inner_ms;
    f->ack_ms = c->ack_ms;
    f->start_ms = at(&t);
    s->prev_start = t;
    /* The sender's timer runs from when it hands the flight over (ready),
     * not from when a busy link gets to it. */
    struct instant timer_set = ready;
    if (c->lost_once) {
        /* Its first copy takes its air time and goes for nothing; the
         * timer sends it again, once the channel is free of the first. */
        struct instant again = ready, first_done = t;
        again.part[TP_PART_LOSS] += s->sh.rto_ms;
        first_done.part[TP_PART_LOSS] += c->ser_ms;
        struct instant resend = later(again, first_done);
        f->loss_ms += at(&resend) - at(&t);
        t = resend;
        timer_set = again;
    }
    if (s->sh.datagram)
        s->armed = (struct dtls_timer){.set = timer_set,
                                       .ms = c->lost_once ? 2.0 * s->sh.rto_ms : s->sh.rto_ms,
                                       .ser_ms = c->ser_ms,
                                       .ch = ch,
                                       .on = true};

    t.part[TP_PART_SERIALISATION] += c->ser_ms;
    t.part[TP_PART_SLOW_START] += c->slow_ms;
    t.part[TP_PART_LOSS] += c->loss_ms;
    t.part[TP_PART_DUTY_CYCLE] += c->duty_inner_ms;
    f->sent_ms = at(&t);
    s->chan_free[ch] = t;
    s->chan_free[ch].part[TP_PART_DUTY_CYCLE] += c->duty_tail_ms;

    t.part[TP_PART_PROPAGATION] += link->rtt_ms / 2.0;
    f->end_ms = at(&t);
    s->prev_arrival = t;
    if (dir == TP_DIR_C2S) {
        s->client_start = s->prev_start;
        s->server_arrival_before = s->server_arrival;
    } else {
        s->server_arrival = t;
    }

    s->out->tls_bytes[dir] += bytes;
    s->out->wire_bytes[dir] += c->wire;
    s->out->packets += c->packets;
    s->out->frames += c->frames;
}

/* DTLS: the timer of the previous flight runs until its answer arrives;
 * each expiry before then sends the flight again (spurious when nothing
 * was lost), taking its serialisation on its sender's channel, which later
 * flights of that sender (and on a half-duplex link, the answer itself)
 * wait for. The period doubles per expiry (RFC 6347 Sec. 4.2.4.1). Called
 * with the answer's ready time before placing it, then with its arrival. */
static void run_timer(struct sim *s, struct instant until)
{
    struct dtls_timer *tm = &s->timer;
    for (int n = 0; tm->on && n < 16; n++) {
        struct instant fire = tm->set;
        fire.part[TP_PART_LOSS] += tm->ms;
        if (at(&fire) >= at(&until))
            break;
        struct instant busy = later(fire, s->chan_free[tm->ch]);
        busy.part[TP_PART_LOSS] += tm->ser_ms;
        s->chan_free[tm->ch] = busy;
        s->out->timer_copies++;
        tm->set = fire;
        tm->ms *= 2.0;
    }
}

static tp_status check_inputs(const struct tp_link *link, const struct tp_proj_params *p,
                              const struct tp_flight *flights, size_t n, tp_error *err)
{
    if (n > TP_PROJ_MAX_FLIGHTS)
        return tp_fail(err, TP_E_LIMIT, "projection: %zu flights, at most %d", n,
                       TP_PROJ_MAX_FLIGHTS);
    if (n > 0 && flights == NULL)
        return tp_fail(err, TP_E_INTERNAL, "projection: flights is NULL");
    if (!(link->dl_bps > 0.0) || !(link->ul_bps > 0.0))
        return tp_fail(err, TP_E_USAGE, "projection: link '%s' has no bandwidth", link->name);
    if (link->mtu == 0 && link->frame_payload == 0)
        return tp_fail(err, TP_E_USAGE, "projection: link '%s' has neither MTU nor frame size",
                       link->name);
    uint32_t header = (p->ipv6 ? 40u : 20u) +
                      (p->datagram ? UDP_HEADER : TCP_HEADER + p->tcp_options);
    if (link->mtu != 0 && link->mtu <= header)
        return tp_fail(err, TP_E_USAGE, "projection: MTU %u leaves no room after %u header bytes",
                       link->mtu, header);
    if (!(link->loss >= 0.0 && link->loss < 1.0))
        return tp_fail(err, TP_E_USAGE, "projection: loss must be below 100%%");
    if (link->lost_flights != 0 && !p->datagram)
        return tp_fail(err, TP_E_USAGE, "projection: link lose= is for DTLS (--dtls) only");
    return TP_OK;
}

static void explain_practical(const struct tp_link *link, struct tp_projection *out)
{
    out->practical = link->tls_practical && link->duty_cycle <= 0.0;
    if (out->practical)
        return;
    int n = snprintf(out->why, sizeof out->why, "TLS over %s is not practical:", link->name);
    size_t used = n > 0 ? (size_t)n : 0;
    if (link->duty_cycle > 0.0 && used < sizeof out->why) {
        n = snprintf(out->why + used, sizeof out->why - used,
                     " a %.4g%% duty cycle forces %.0f s of silence per %.2f s frame, so %u "
                     "frames take %.1f min;",
                     link->duty_cycle * 100.0, out->parts_ms[TP_PART_DUTY_CYCLE] / 1000.0 /
                     (out->frames > 1 ? out->frames - 1 : 1),
                     out->parts_ms[TP_PART_SERIALISATION] / 1000.0 / (out->frames ? out->frames : 1),
                     out->frames, out->total_ms / 60000.0);
        used += n > 0 ? (size_t)n : 0;
    }
    if (link->mtu == 0 && used < sizeof out->why) {
        n = snprintf(out->why + used, sizeof out->why - used,
                     " there is no IP layer without SCHC (RFC 8724);");
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < sizeof out->why)
        snprintf(out->why + used, sizeof out->why - used,
                 " such links use OSCORE/EDHOC or application-layer security instead");
}

tp_status tp_project(const struct tp_link *link, const struct tp_proj_params *params,
                     const struct tp_flight *flights, size_t n_flights, struct tp_projection *out,
                     tp_error *err)
{
    struct tp_proj_params defaults;
    tp_proj_params_default(&defaults);
    const struct tp_proj_params *p = params != NULL ? params : &defaults;
    TP_TRY(check_inputs(link, p, flights, n_flights, err));

    memset(out, 0, sizeof *out);
    struct sim s;
    memset(&s, 0, sizeof s);
    s.link = link;
    s.params = p;
    s.out = out;
    if (link->mtu == 0) {
        s.sh.header = 0;
        s.sh.mss = link->frame_payload;
    } else {
        s.sh.header = (p->ipv6 ? 40u : 20u) +
                      (p->datagram ? UDP_HEADER : TCP_HEADER + p->tcp_options);
        s.sh.mss = link->mtu - s.sh.header;
    }
    s.sh.rto_ms = 3.0 * link->rtt_ms > 1000.0 ? 3.0 * link->rtt_ms : 1000.0;
    s.sh.datagram = p->datagram;
    if (p->datagram)
        s.sh.rto_ms = DTLS_TIMER_MS;
    s.cwnd[0] = s.cwnd[1] = p->init_window ? p->init_window : IW_DEFAULT;
    s.prev_dir = -1;
    s.prev_start.part[TP_PART_SETUP] = link->setup_ms;
    s.prev_arrival = s.chan_free[0] = s.chan_free[1] = s.prev_start;
    s.client_start = s.server_arrival = s.server_arrival_before = s.prev_start;

    if (p->tcp_handshake && !p->datagram) {
        struct cost syn = syn_cost(link, p, link->ul_bps);
        struct cost synack = syn_cost(link, p, link->dl_bps);
        place(&s, "SYN", TP_DIR_C2S, 0, 0, true, 0.0, &syn);
        place(&s, "SYN-ACK", TP_DIR_S2C, 0, 0, true, 0.0, &synack);
    }
    for (size_t i = 0; i < n_flights; i++) {
        const struct tp_flight *f = &flights[i];
        double bps = f->dir == TP_DIR_C2S ? link->ul_bps : link->dl_bps;
        struct cost c = flight_cost(link, &s.sh, f->bytes, bps, &s.cwnd[f->dir]);
        /* No data before the SYN-ACK (RFC 9293 Sec. 3.5). */
        bool tcp = p->tcp_handshake && !p->datagram;
        bool waits = f->waits || (i == 0 && tcp);
        /* Answering the other side: behind the ACK its kernel sent at once
         * (TCP only: UDP acknowledges nothing). */
        if (!p->datagram && waits && f->bytes > 0 && s.prev_dir >= 0 &&
            s.prev_dir != (int)f->dir)
            c.ack_ms = ser_ms(s.sh.header, bps);
        double think = p->think_ms != NULL ? p->think_ms[i] : 0.0;
        c.lost_once = p->datagram && i < 32 && (link->lost_flights >> i & 1u) != 0;
        if (p->datagram) {
            struct instant ready = waits ? s.prev_arrival : s.prev_start;
            if (waits && think > 0.0)
                ready.part[TP_PART_PROCESSING] += think;
            run_timer(&s, ready);
        }
        place(&s, f->label, f->dir, f->bytes, f->records, waits, think, &c);
        if (p->datagram) {
            run_timer(&s, s.prev_arrival);
            s.timer = s.armed;
        }
    }
    /* The client may send data once it has sent its last flight (data
     * follows its Finished) and the server's last flight has arrived; with
     * False Start (RFC 7918) only what came before its Finished counts. */
    struct instant done = later(s.client_start, s.server_arrival);
    struct instant early = later(s.client_start, s.server_arrival_before);
    if (p->false_start)
        done = early;
    memcpy(out->parts_ms, done.part, sizeof out->parts_ms);
    out->total_ms = at(&done);
    out->round_trips = out->parts_ms[TP_PART_PROPAGATION] / link->rtt_ms;
    out->false_start_total_ms = at(&early);
    out->false_start_round_trips = early.part[TP_PART_PROPAGATION] / link->rtt_ms;
    explain_practical(link, out);
    return TP_OK;
}
