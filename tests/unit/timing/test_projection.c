/* Projection of handshakes onto links, against hand arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timing/link.h"
#include "timing/projection.h"
#include "wire/registry.h"

#include "util/banned.h"

static void near(double got, double want, double eps, const char *what)
{
    double d = got > want ? got - want : want - got;
    if (d > eps)
        fail_msg("%s: got %.4f, want %.4f (+-%g)", what, got, want, eps);
}

static struct tp_link spec(const char *text)
{
    struct tp_link link;
    tp_error err = {0};
    if (tp_link_parse_spec(&link, text, &err) != TP_OK)
        fail_msg("spec %s: %s", text, err.msg);
    return link;
}

static struct tp_proj_params no_tcp(void)
{
    struct tp_proj_params p;
    tp_proj_params_default(&p);
    p.tcp_handshake = false;
    return p;
}

static const struct tp_flight tls13[] = {
    {"ClientHello", TP_DIR_C2S, 300, 1, true},
    {"ServerHello..Finished", TP_DIR_S2C, 3000, 6, true},
    {"Finished", TP_DIR_C2S, 100, 1, true},
};

/* 20 kbit/s, RTT 1600 ms, MTU 1430, IPv4 + TCP timestamps: 52 header bytes,
 * MSS 1378; a pure ACK is 52 B = 20.8 ms.
 *   CH  300 B: 1 packet, 352 B -> 352*8/20000 s = 140.8 ms; + 800 = 940.8
 *   SF 3000 B: after the server's ACK of the CH (20.8 ms), 3 packets,
 *      3156 B -> 1262.4 ms; 961.6 + 1262.4 + 800 = 3024.0
 *   CF  100 B: after the client's ACK, 3044.8; 1 packet, 152 B -> 60.8 ms;
 *      3044.8 + 60.8 + 800 = 3905.6
 * The client may send data when it sends its Finished: total 3044.8 =
 * propagation 1600 + serialisation 1444.8, one round trip. */
static void three_flights_by_hand(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=20k,rtt=1600ms,mtu=1430");
    struct tp_proj_params p = no_tcp();
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, tls13, 3, &pr, NULL), TP_OK);
    assert_int_equal(pr.n_flights, 3);
    near(pr.flights[0].end_ms, 940.8, 1.0, "CH arrival");
    near(pr.flights[0].ack_ms, 0.0, 1e-9, "nothing to acknowledge before the CH");
    near(pr.flights[1].ack_ms, 20.8, 0.001, "server's ACK");
    near(pr.flights[1].start_ms, 961.6, 1.0, "SF start");
    near(pr.flights[1].end_ms, 3024.0, 1.0, "SF arrival");
    near(pr.flights[2].start_ms, 3044.8, 1.0, "CF start");
    near(pr.flights[2].end_ms, 3905.6, 1.0, "CF arrival");
    near(pr.total_ms, 3044.8, 1.0, "total");
    near(pr.parts_ms[TP_PART_PROPAGATION], 1600.0, 0.001, "propagation");
    near(pr.parts_ms[TP_PART_SERIALISATION], 1444.8, 0.001, "serialisation");
    near(pr.round_trips, 1.0, 0.001, "round trips");
    near(pr.false_start_total_ms, pr.total_ms, 1e-9, "False Start changes nothing");
    assert_int_equal(pr.flights[1].packets, 3);
    assert_int_equal(pr.flights[1].wire_bytes, 3156);
    assert_int_equal(pr.packets, 5);
    assert_int_equal(pr.wire_bytes[TP_DIR_C2S], 504);
    assert_int_equal(pr.wire_bytes[TP_DIR_S2C], 3156);
    assert_int_equal(pr.tls_bytes[TP_DIR_C2S], 400);
    assert_true(pr.practical);
}

/* Same with the TCP handshake and 2 s of radio set-up: SYN and SYN-ACK are
 * 60 B each (20 IP + 20 TCP + 20 options) = 24 ms + 800 ms each, and the
 * ClientHello follows the handshake's third ACK (20.8 ms), so
 * 2000 + 824 + 824 + 20.8 + 3044.8 = 6713.6. */
static void tcp_and_setup(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=20k,rtt=1600ms,mtu=1430,setup=2s");
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, NULL, tls13, 3, &pr, NULL), TP_OK);
    assert_int_equal(pr.n_flights, 5);
    assert_string_equal(pr.flights[0].label, "SYN");
    near(pr.flights[0].start_ms, 2000.0, 0.001, "SYN after set-up");
    near(pr.flights[1].end_ms, 3648.0, 1.0, "SYN-ACK arrival");
    near(pr.flights[2].start_ms, 3668.8, 1.0, "ClientHello after the SYN-ACK and ACK");
    near(pr.total_ms, 6713.6, 1.0, "total");
    near(pr.round_trips, 2.0, 0.001, "round trips");
    near(pr.parts_ms[TP_PART_SETUP], 2000.0, 0.001, "setup part");
    double sum = 0;
    for (int i = 0; i < TP_PART_COUNT; i++)
        sum += pr.parts_ms[i];
    near(sum, pr.total_ms, 1e-6, "parts add up");
}

/* 1 Mbit/s, RTT 1600 ms. A 20000 B server flight is ceil(20000/1378) = 15
 * packets > IW10: after 10 full packets (10*1430*8/1e6 = 114.4 ms) it waits
 * for the first ACK: stall 1600 - 114.4 = 1485.6 ms.
 *   CH 352 B: 2.816 ms; arrival 802.816
 *   SF 20780 B: 166.24 ms + 1485.6; arrival 802.816 + 166.24 + 1485.6 + 800
 *      = 3254.656 */
static void slow_start_iw10(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=1M,rtt=1600ms,mtu=1430");
    struct tp_proj_params p = no_tcp();
    const struct tp_flight big[] = {
        {"ClientHello", TP_DIR_C2S, 300, 1, true},
        {"server flight", TP_DIR_S2C, 20000, 8, true},
    };
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, big, 2, &pr, NULL), TP_OK);
    assert_int_equal(pr.flights[1].packets, 15);
    assert_int_equal(pr.flights[1].slow_start_rounds, 1);
    near(pr.flights[1].slow_start_ms, 1485.6, 0.001, "stall");
    near(pr.total_ms, 3254.656, 1.0, "total");
    near(pr.parts_ms[TP_PART_SLOW_START], 1485.6, 0.001, "slow-start part");

    /* Exactly ten packets fit the initial window: no stall. */
    const struct tp_flight fits[] = {
        {"ClientHello", TP_DIR_C2S, 300, 1, true},
        {"server flight", TP_DIR_S2C, 13780, 8, true},
    };
    assert_int_equal(tp_project(&link, &p, fits, 2, &pr, NULL), TP_OK);
    assert_int_equal(pr.flights[1].packets, 10);
    assert_int_equal(pr.flights[1].slow_start_rounds, 0);
    near(pr.parts_ms[TP_PART_SLOW_START], 0.0, 1e-9, "no stall");
}

/* Two pipelined 1000 B flights in opposite directions, 20 kbit/s, RTT
 * 100 ms, MTU 1500 (MSS 1448): each 1052 B = 420.8 ms. Full duplex they
 * overlap: 420.8 + 50 = 470.8. Half duplex the second waits for the first
 * to leave the channel: 420.8 + 420.8 + 50 = 891.6. */
static void half_duplex_sums(void **state)
{
    (void)state;
    const struct tp_flight both[] = {
        {"up", TP_DIR_C2S, 1000, 1, true},
        {"down", TP_DIR_S2C, 1000, 1, false},
    };
    struct tp_proj_params p = no_tcp();
    struct tp_projection pr;
    struct tp_link full = spec("bw=20k,rtt=100ms");
    assert_int_equal(tp_project(&full, &p, both, 2, &pr, NULL), TP_OK);
    near(pr.total_ms, 470.8, 1.0, "full duplex");
    struct tp_link half = spec("bw=20k,rtt=100ms,duplex=half");
    assert_int_equal(tp_project(&half, &p, both, 2, &pr, NULL), TP_OK);
    near(pr.flights[1].start_ms, 420.8, 0.001, "second waits for the channel");
    near(pr.total_ms, 891.6, 1.0, "half duplex");
}

/* loss 1%, RTT 1600 ms: RTO = max(1 s, 3 * 1.6 s) = 4800 ms. Four data
 * packets are on the critical path (CH 1 + SF 3; the client's Finished is
 * sent when the client is done): 4 * 0.01 * 4800 = 192 ms expected. */
static void loss_expectation(void **state)
{
    (void)state;
    struct tp_proj_params p = no_tcp();
    struct tp_projection clean, lossy;
    struct tp_link a = spec("bw=20k,rtt=1600ms,mtu=1430");
    struct tp_link b = spec("bw=20k,rtt=1600ms,mtu=1430,loss=1%");
    assert_int_equal(tp_project(&a, &p, tls13, 3, &clean, NULL), TP_OK);
    assert_int_equal(tp_project(&b, &p, tls13, 3, &lossy, NULL), TP_OK);
    near(lossy.parts_ms[TP_PART_LOSS], 192.0, 0.001, "loss part");
    near(lossy.total_ms, clean.total_ms + 192.0, 0.001, "total with loss");
    /* Short RTT: RTO floor of 1 s (RFC 6298 Sec. 2.4): 4 * 0.01 * 1000. */
    struct tp_link c = spec("bw=20k,rtt=100ms,mtu=1430,loss=1%");
    assert_int_equal(tp_project(&c, &p, tls13, 3, &lossy, NULL), TP_OK);
    near(lossy.parts_ms[TP_PART_LOSS], 40.0, 0.001, "RTO floor");
}

/* 6LoWPAN preset: MTU 1280 (MSS 1228), frame payload 102. A 1000 B flight
 * is one 1052 B packet = ceil(1052/102) = 11 frames; with 2% frame loss the
 * packet is lost with 1 - 0.98^11 = 1 - 0.800731 = 0.199269. */
static void framed_link(void **state)
{
    (void)state;
    struct tp_link link;
    assert_int_equal(tp_link_from_preset(&link, "6lowpan", NULL), TP_OK);
    const struct tp_flight one[] = {{"x", TP_DIR_C2S, 1000, 1, true}};
    struct tp_proj_params p = no_tcp();
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, one, 1, &pr, NULL), TP_OK);
    assert_int_equal(pr.flights[0].packets, 1);
    assert_int_equal(pr.flights[0].frames, 11);
    /* RTO = max(1000, 300) = 1000 */
    near(pr.flights[0].loss_ms, 199.269, 0.01, "loss over frames");
}

/* LoRaWAN DR3: no IP, 115 B frames at 1760 bit/s, 1% duty cycle. 300 B:
 * 3 frames, airtime 300*8/1760 = 1363.64 ms, silence per frame
 * 454.55 * 99 = 45000 ms, two of them inside the flight. */
static void lorawan_impractical(void **state)
{
    (void)state;
    struct tp_link link;
    assert_int_equal(tp_link_from_preset(&link, "lorawan", NULL), TP_OK);
    struct tp_proj_params p = no_tcp();
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, tls13, 3, &pr, NULL), TP_OK);
    assert_int_equal(pr.flights[0].frames, 3);
    near(pr.flights[0].serialisation_ms, 1363.64, 0.01, "airtime");
    near(pr.flights[0].duty_ms, 90000.0, 0.01, "duty-cycle silence");
    assert_int_equal(pr.flights[1].frames, 27); /* ceil(3000/115) */
    assert_true(pr.total_ms > 20 * 60000.0);
    assert_false(pr.practical);
    assert_non_null(strstr(pr.why, "duty cycle"));
    assert_non_null(strstr(pr.why, "SCHC"));
}

/* DTLS, cookie exchange (gnutls-serv's shape), 300 ms RTT, no rate limit
 * to speak of (10 Gbit/s): 3 round trips = 900 ms of propagation. The
 * server took 14, 50 and 50 ms to answer (bench_dtls.py found gnutls-serv
 * so, on loopback and through the emulated link alike), the client 0.1 ms:
 * the projection ends 114.1 ms later, in the processing part, whatever the
 * link. A flight that does not wait (pipelined) takes no processing. */
static void dtls_processing(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=10G,rtt=300ms,mtu=1500");
    const struct tp_flight f[] = {
        {"ClientHello", TP_DIR_C2S, 238, 1, true},
        {"HelloVerifyRequest", TP_DIR_S2C, 44, 1, true},
        {"ClientHello", TP_DIR_C2S, 254, 1, true},
        {"ServerHello", TP_DIR_S2C, 772, 4, true},
        {"ClientKeyExchange", TP_DIR_C2S, 166, 1, true},
        {"NewSessionTicket", TP_DIR_S2C, 512, 3, true},
    };
    const double think[] = {0.0, 14.0, 0.05, 50.0, 0.05, 50.0};
    struct tp_proj_params p = no_tcp();
    p.datagram = true;
    struct tp_projection plain, busy;
    assert_int_equal(tp_project(&link, &p, f, 6, &plain, NULL), TP_OK);
    near(plain.parts_ms[TP_PART_PROCESSING], 0.0, 1e-12, "no processing given");
    p.think_ms = think;
    assert_int_equal(tp_project(&link, &p, f, 6, &busy, NULL), TP_OK);
    near(busy.parts_ms[TP_PART_PROCESSING], 114.1, 1e-9, "processing part");
    near(busy.total_ms, plain.total_ms + 114.1, 1e-9, "total");
    near(busy.parts_ms[TP_PART_PROPAGATION], 900.0, 1e-9, "3 round trips");
    near(busy.flights[3].start_ms, busy.flights[2].end_ms + 50.0, 1e-9,
         "ServerHello after its processing");
    double sum = 0.0;
    for (int i = 0; i < TP_PART_COUNT; i++)
        sum += busy.parts_ms[i];
    near(sum, busy.total_ms, 1e-9, "parts add up");
    assert_string_equal(tp_proj_part_name(TP_PART_PROCESSING), "processing");

    /* Pipelined: the second flight follows the first's start, no processing. */
    const struct tp_flight two[] = {{"a", TP_DIR_C2S, 100, 1, true},
                                    {"b", TP_DIR_C2S, 100, 1, false}};
    const double think2[] = {0.0, 500.0};
    p.think_ms = think2;
    assert_int_equal(tp_project(&link, &p, two, 2, &busy, NULL), TP_OK);
    near(busy.parts_ms[TP_PART_PROCESSING], 0.0, 1e-12, "pipelined flight");
}

/* DTLS on a 20 kbit/s, 1600 ms link (nb-iot's rates, full duplex), IPv4
 * + UDP = 28 header bytes per datagram, MTU 1430 (1402 B per datagram):
 *   1 CH   200 B -> 228 B = 91.2 ms,   starts 0,      arrives 891.2
 *   2 SF   700 B -> 728 B = 291.2 ms,  starts 891.2,  arrives 1982.4
 *   3 CF   150 B -> 178 B = 71.2 ms,   starts 1982.4, arrives 2853.6
 *   4 Fin  100 B -> 128 B = 51.2 ms,   starts 2853.6, arrives 3704.8
 * Timers (T = 1 s, doubled per expiry), each until its answer arrives:
 *   CH at 1000 (answer at 1982.4): a copy, uplink busy 1000..1091.2;
 *   SF at 1891.2 (answer at 2853.6): a copy, downlink busy until 2182.4;
 *     next at 3891.2, too late;
 *   CF at 2982.4 (answer at 3704.8): a copy, no flight of the client
 *     follows. 3 copies; none delays the total, 3704.8.
 * With lose=2 (the server's flight): its first copy goes for nothing and
 * its timer sends it again at 891.2 + 1000 = 1891.2, arriving 2982.4; the
 * client's CH timer fires at 1000 (a copy) and would at 3000, after the
 * answer; the server's timer now runs at 2 s: 3891.2, after CF (starts
 * 2982.4) arrives at 3853.6, no copy; CF's timer fires at 3982.4, before
 * Fin arrives (a copy). Fin at 3853.6 + 51.2 + 800 = 4704.8: 1000 more,
 * all of it loss; 2 copies. dtls_timer_copy_delays has a copy on the
 * critical path. */
static void dtls_timers(void **state)
{
    (void)state;
    const struct tp_flight f[] = {
        {"ClientHello", TP_DIR_C2S, 200, 1, true},
        {"ServerHello", TP_DIR_S2C, 700, 1, true},
        {"ClientKeyExchange", TP_DIR_C2S, 150, 1, true},
        {"Finished", TP_DIR_S2C, 100, 1, true},
    };
    struct tp_proj_params p = no_tcp();
    p.datagram = true;
    struct tp_link link = spec("bw=20k,rtt=1600ms,mtu=1430");
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, NULL), TP_OK);
    near(pr.total_ms, 3704.8, 1e-9, "no loss");
    assert_int_equal(pr.timer_copies, 3);
    near(pr.parts_ms[TP_PART_LOSS], 0.0, 1e-12, "copies off the critical path");

    /* Half duplex, one channel: SF starts 891.2 and holds it until
     * 1182.4, CH's copy (due 1000) follows until 1273.6; SF's copy (due
     * 1891.2, before CF is ready at 1982.4) holds it until 2182.4, so CF
     * waits: 2182.4 + 71.2 + 800 = 3053.6; Fin 3053.6 + 51.2 + 800. */
    link = spec("bw=20k,rtt=1600ms,mtu=1430,duplex=half");
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, NULL), TP_OK);
    near(pr.flights[2].start_ms, 2182.4, 1e-9, "CF behind SF's copy");
    near(pr.total_ms, 3904.8, 1e-9, "half duplex");
    near(pr.parts_ms[TP_PART_LOSS], 1000.0 + 291.2, 1e-9, "SF's timer and copy");
    assert_int_equal(pr.timer_copies, 3);

    /* The same with CF lost: its timer runs from when the client handed it
     * over (1982.4), not from when the channel took it (2182.4): sent again
     * at 2982.4, arriving 3853.6; Fin at 3853.6 + 851.2 = 4704.8 (from the
     * channel's start it would be 4904.8, bench_dtls.py's half-duplex rows
     * against s_server measured the former). */
    link = spec("bw=20k,rtt=1600ms,mtu=1430,duplex=half,lose=3");
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, NULL), TP_OK);
    near(pr.flights[2].start_ms, 2182.4, 1e-9, "first copy behind SF's copy");
    near(pr.flights[2].end_ms, 3853.6, 1e-9, "sent again 1 s after it was ready");
    near(pr.flights[2].loss_ms, 800.0, 1e-9, "its start to its resend");
    near(pr.total_ms, 4704.8, 1e-9, "lost CF, half duplex");
    near(pr.parts_ms[TP_PART_LOSS], 1000.0, 1e-9, "CF's timer");
    assert_int_equal(pr.timer_copies, 2);

    link = spec("bw=20k,rtt=1600ms,mtu=1430,lose=2");
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, NULL), TP_OK);
    near(pr.flights[1].start_ms, 891.2, 1e-9, "first copy of the lost flight");
    near(pr.flights[1].end_ms, 2982.4, 1e-9, "sent again at its timer");
    near(pr.flights[1].loss_ms, 1000.0, 1e-9, "flight's loss");
    near(pr.total_ms, 4704.8, 1e-9, "one timer later");
    near(pr.parts_ms[TP_PART_LOSS], 1000.0, 1e-9, "loss part");
    assert_int_equal(pr.timer_copies, 2);
}

/* The copy that costs (bench_dtls.py measured it against openssl s_server
 * -listen on an nb-iot-like link: the server's flight lost, 6938 ms, where
 * the loss-free projection plus one timer said 6556): the lost flight's
 * timer, doubled to 2 s, fires again before the client's answer arrives,
 * and the server's last flight waits behind that copy on the downlink.
 * 20 kbit/s, 1600 ms; CH 200 B (91.2 ms); the server's flight 2200 B in
 * 2 datagrams, 2256 B = 902.4 ms: starts 891.2, lost; again at 1891.2,
 * arrives 1891.2 + 902.4 + 800 = 3593.6; its timer (2 s) fires at 3891.2
 * and the copy holds the downlink until 4793.6. CF (150 B, 71.2 ms)
 * arrives at 4464.8; Fin (51.2 ms) waits for the copy: 4793.6 + 51.2 +
 * 800 = 5644.8, not 5316.0. The critical path runs through the server's
 * timer: loss = 1000 (the resend) + 2000 (the doubled timer) + 902.4 (the
 * copy); the rest is the resend's start (891.2) and Fin's 851.2. */
static void dtls_timer_copy_delays(void **state)
{
    (void)state;
    const struct tp_flight f[] = {
        {"ClientHello", TP_DIR_C2S, 200, 1, true},
        {"ServerHello", TP_DIR_S2C, 2200, 2, true},
        {"ClientKeyExchange", TP_DIR_C2S, 150, 1, true},
        {"Finished", TP_DIR_S2C, 100, 1, true},
    };
    struct tp_proj_params p = no_tcp();
    p.datagram = true;
    struct tp_link link = spec("bw=20k,rtt=1600ms,mtu=1430,lose=2");
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, NULL), TP_OK);
    near(pr.flights[1].end_ms, 3593.6, 1e-9, "lost flight, sent again");
    near(pr.flights[2].end_ms, 4464.8, 1e-9, "client's answer");
    near(pr.flights[3].start_ms, 4793.6, 1e-9, "after the timer's copy");
    near(pr.total_ms, 5644.8, 1e-9, "total");
    near(pr.parts_ms[TP_PART_LOSS], 1000.0 + 2000.0 + 902.4, 1e-9,
         "loss: the resend, the timer and the copy");
    /* CH at 1000 and 3000 (SF arrives 3593.6), SF at 3891.2, CF at 4593.6 */
    assert_int_equal(pr.timer_copies, 4);
    /* TCP has no flight numbers to lose. */
    p.datagram = false;
    tp_error err = {0};
    assert_int_equal(tp_project(&link, &p, f, 4, &pr, &err), TP_E_USAGE);
    assert_non_null(strstr(err.msg, "lose= is for DTLS"));
}

static void limits(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=20k,rtt=100ms");
    struct tp_flight many[TP_PROJ_MAX_FLIGHTS + 1];
    memset(many, 0, sizeof many);
    struct tp_projection pr;
    tp_error err = {0};
    assert_int_equal(tp_project(&link, NULL, many, TP_PROJ_MAX_FLIGHTS + 1, &pr, &err),
                     TP_E_LIMIT);
    assert_int_equal(tp_project(&link, NULL, many, TP_PROJ_MAX_FLIGHTS, &pr, NULL), TP_OK);
    assert_int_equal(pr.n_flights, TP_PROJ_MAX_FLIGHTS + 2);
}

/* TLS 1.3 with an RSA-2048 leaf on NB-IoT: Certificate 2000 B,
 * CertificateVerify 4 + 2 + 2 + 256 = 264 B. */
static const struct tp_hs_shape shape13 = {
    .version = TP_VER_TLS13, .cert_flight = 1, .cert_msg_bytes = 2000,
    .server_kx_bytes = 264, .leaf_key = TP_LEAF_RSA, .leaf_key_bits = 2048,
    .intermediate_bytes = 1100,
};

static void whatif_tls13(void **state)
{
    (void)state;
    struct tp_link link;
    assert_int_equal(tp_link_from_preset(&link, "nb-iot", NULL), TP_OK);
    struct tp_whatif w;
    tp_error err = {0};
    assert_int_equal(tp_project_whatif(&link, NULL, tls13, 3, &shape13, &w, &err), TP_OK);
    near(w.cert_share, 2000.0 / 3400.0, 1e-9, "cert share");

    /* ECDSA: SPKI 294 -> 91 (203) and signature 256 -> 72 (184): 387 B;
     * the server flight drops from 3 to 2 packets: 52 B more. */
    const struct tp_suggestion *s = &w.items[TP_SUGGEST_ECDSA_LEAF];
    assert_string_equal(s->name, "ecdsa-leaf");
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, 387 + 52);
    /* 439 B at 20 kbit/s = 175.6 ms, and one packet fewer to lose at 1%
     * with RTO 3 * 1600 ms: 0.01 * 4800 = 48 ms; 223.6 ms. */
    near(s->saving_ms, 223.6, 1.0, "ecdsa time");
    assert_non_null(strstr(s->assumption, "RSA-2048"));

    /* Shorter chain: 1100 + 3 + 2 = 1105 B, 3 -> 2 packets. */
    s = &w.items[TP_SUGGEST_SHORTER_CHAIN];
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, 1105 + 52);

    /* Compression: 12 + ceil(1996 * 0.7) = 1410 B: 590 B, 3 -> 2 packets. */
    s = &w.items[TP_SUGGEST_CERT_COMPRESSION];
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, 590 + 52);

    /* Resumption: -2264 B in the server flight (1 packet instead of 3),
     * +181 B in the ClientHello (still 1 packet). */
    s = &w.items[TP_SUGGEST_RESUMPTION];
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, 2264 - 181 + 104);

    assert_false(w.items[TP_SUGGEST_TLS13].applicable);
    /* 3000 B in 6 records (500 B average) already fit a 1378 B packet. */
    assert_false(w.items[TP_SUGGEST_RECORD_SIZE_LIMIT].applicable);
}

/* TLS 1.2: CH, server flight, CKE+CCS+Finished, CCS+Finished. */
static void whatif_tls12(void **state)
{
    (void)state;
    const struct tp_flight tls12[] = {
        {"ClientHello", TP_DIR_C2S, 200, 1, true},
        {"ServerHello..ServerHelloDone", TP_DIR_S2C, 3000, 1, true},
        {"ClientKeyExchange..Finished", TP_DIR_C2S, 126, 3, true},
        {"ChangeCipherSpec, Finished", TP_DIR_S2C, 51, 2, true},
    };
    const struct tp_hs_shape shape = {
        .version = TP_VER_TLS12, .cert_flight = 1, .cert_msg_bytes = 2000,
        .server_kx_bytes = 300, .client_kx_bytes = 37, .leaf_key = TP_LEAF_EC,
    };
    struct tp_link link = spec("bw=20k,rtt=1600ms,mtu=1430");
    struct tp_whatif w;
    struct tp_projection base;
    assert_int_equal(tp_project(&link, NULL, tls12, 4, &base, NULL), TP_OK);
    assert_int_equal(tp_project_whatif(&link, NULL, tls12, 4, &shape, &w, NULL), TP_OK);

    assert_false(w.items[TP_SUGGEST_ECDSA_LEAF].applicable);
    assert_false(w.items[TP_SUGGEST_SHORTER_CHAIN].applicable);
    assert_false(w.items[TP_SUGGEST_CERT_COMPRESSION].applicable);

    /* TLS 1.3: the last server flight (51 B, one packet) joins the server's
     * first: same packet count there (3051 B = 3 packets), one 52 B header
     * fewer. The client is then done when it sends its Finished, not when
     * the server's arrives: one round trip (1600 ms) fewer, less the
     * client flight's 178 B (71.2 ms), the last flight's 103 B (41.2 ms)
     * and the server's ACK before it (20.8 ms), plus 51 B more in the
     * first flight (20.4 ms): 1600 + 71.2 + 41.2 + 20.8 - 20.4 = 1712.8. */
    const struct tp_suggestion *s = &w.items[TP_SUGGEST_TLS13];
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, 52);
    near(s->saving_ms, 1712.8, 1.0, "tls13 saving");

    /* Resumption saves the round trip as well as 2300 + 37 bytes of
     * messages and costs 132 B of ticket in the ClientHello. */
    s = &w.items[TP_SUGGEST_RESUMPTION];
    assert_true(s->applicable);
    assert_true(s->saving_ms > 1600.0 + 2000 * 8 / 20.0);
    assert_true(s->saving_ms < base.total_ms);
}

/* record_size_limit on 6LoWPAN frames: records are split to fit 102 B
 * frames (limit 97). The 3000 B flight in one record becomes ceil(3000/97)
 * = 31 records, 30 more 5 B headers; the 200 B ClientHello 3 records, 2
 * more: 160 B more, same packet counts (3150 B in 3 packets of MSS 1228).
 * It costs bytes, so the "saving" is negative. */
static void whatif_record_limit(void **state)
{
    (void)state;
    const struct tp_flight fl[] = {
        {"ClientHello", TP_DIR_C2S, 200, 1, true},
        {"server", TP_DIR_S2C, 3000, 1, true},
    };
    const struct tp_hs_shape shape = {.version = TP_VER_TLS12, .cert_flight = 1,
                                      .cert_msg_bytes = 2000};
    struct tp_link link;
    assert_int_equal(tp_link_from_preset(&link, "6lowpan", NULL), TP_OK);
    struct tp_whatif w;
    assert_int_equal(tp_project_whatif(&link, NULL, fl, 2, &shape, &w, NULL), TP_OK);
    const struct tp_suggestion *s = &w.items[TP_SUGGEST_RECORD_SIZE_LIMIT];
    assert_true(s->applicable);
    assert_int_equal(s->saving_bytes, -160);
    assert_true(s->saving_ms < 0.0);
    assert_non_null(strstr(s->assumption, "record_size_limit 97"));
}

/* Round trips until the client may send data, TCP handshake included, on
 * a fast link (RTT 100 ms, 100 Mbit/s) so that propagation decides:
 *   TLS 1.2 full (RFC 5246 Sec. 7.3): SYN/SYN-ACK; ClientHello ..
 *     ServerHelloDone; ClientKeyExchange..Finished .. NewSessionTicket,
 *     Finished: 3; with False Start (RFC 7918) 2;
 *   TLS 1.2 abbreviated (session ID or ticket): the server's Finished comes
 *     first, the client's can carry data: 2, False Start or not;
 *   TLS 1.3 full and PSK (RFC 8446 Sec. 2): 2. */
static const struct tp_flight tls12_full[] = {
    {"ClientHello", TP_DIR_C2S, 220, 1, true},
    {"ServerHello..ServerHelloDone", TP_DIR_S2C, 2600, 4, true},
    {"ClientKeyExchange..Finished", TP_DIR_C2S, 126, 3, true},
    {"NewSessionTicket..Finished", TP_DIR_S2C, 218, 3, true},
};
static const struct tp_flight tls12_resumed[] = {
    {"ClientHello", TP_DIR_C2S, 444, 1, true},
    {"ServerHello..Finished", TP_DIR_S2C, 141, 3, true},
    {"ChangeCipherSpec..Finished", TP_DIR_C2S, 51, 2, true},
};
static const struct tp_flight tls13_psk[] = {
    {"ClientHello", TP_DIR_C2S, 600, 1, true},
    {"ServerHello..Finished", TP_DIR_S2C, 300, 4, true},
    {"Finished", TP_DIR_C2S, 80, 2, true},
};

static double rtts(const struct tp_flight *f, size_t n, bool false_start, double *total)
{
    struct tp_link link = spec("bw=100M,rtt=100ms,mtu=1500");
    struct tp_proj_params p;
    tp_proj_params_default(&p);
    p.false_start = false_start;
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, f, n, &pr, NULL), TP_OK);
    if (total != NULL)
        *total = pr.total_ms;
    assert_true(pr.false_start_total_ms <= pr.total_ms + 1e-9);
    return pr.round_trips;
}

static void round_trips_by_version(void **state)
{
    (void)state;
    double total = 0, fs = 0;
    near(rtts(tls12_full, 4, false, &total), 3.0, 1e-9, "TLS 1.2 full");
    near(rtts(tls12_full, 4, true, &fs), 2.0, 1e-9, "TLS 1.2 full, False Start");
    near(total - fs, 100.0, 0.1, "False Start saves the last round trip");
    near(rtts(tls12_resumed, 3, false, NULL), 2.0, 1e-9, "TLS 1.2 abbreviated");
    near(rtts(tls12_resumed, 3, true, NULL), 2.0, 1e-9, "TLS 1.2 abbreviated, False Start");
    near(rtts(tls13, 3, false, NULL), 2.0, 1e-9, "TLS 1.3 full");
    near(rtts(tls13_psk, 3, false, NULL), 2.0, 1e-9, "TLS 1.3 PSK");
    /* Without the TCP handshake: one fewer each. */
    struct tp_link link = spec("bw=100M,rtt=100ms,mtu=1500");
    struct tp_proj_params p = no_tcp();
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, tls12_full, 4, &pr, NULL), TP_OK);
    near(pr.round_trips, 2.0, 1e-9, "TLS 1.2 full, no TCP");
    near(pr.false_start_round_trips, 1.0, 1e-9, "TLS 1.2 full, no TCP, False Start");
}

/* The ClientHello waits for the SYN-ACK even when its flight says it is
 * pipelined: no data before the TCP handshake (RFC 9293 Sec. 3.5); it
 * follows the third ACK (52 B at 100 Mbit/s: 0.00416 ms). */
static void client_hello_waits_for_syn_ack(void **state)
{
    (void)state;
    struct tp_link link = spec("bw=100M,rtt=100ms,mtu=1500");
    struct tp_flight f[4];
    memcpy(f, tls12_full, sizeof f);
    f[0].waits = false;
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, NULL, f, 4, &pr, NULL), TP_OK);
    assert_string_equal(pr.flights[1].label, "SYN-ACK");
    near(pr.flights[2].start_ms, pr.flights[1].end_ms + 0.00416, 1e-9,
         "ClientHello at SYN-ACK arrival");
    near(pr.round_trips, 3.0, 1e-9, "TLS 1.2 full");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_flights_by_hand),
        cmocka_unit_test(tcp_and_setup),
        cmocka_unit_test(slow_start_iw10),
        cmocka_unit_test(half_duplex_sums),
        cmocka_unit_test(loss_expectation),
        cmocka_unit_test(framed_link),
        cmocka_unit_test(lorawan_impractical),
        cmocka_unit_test(dtls_processing),
        cmocka_unit_test(dtls_timers),
        cmocka_unit_test(dtls_timer_copy_delays),
        cmocka_unit_test(limits),
        cmocka_unit_test(whatif_tls13),
        cmocka_unit_test(whatif_tls12),
        cmocka_unit_test(whatif_record_limit),
        cmocka_unit_test(round_trips_by_version),
        cmocka_unit_test(client_hello_waits_for_syn_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
