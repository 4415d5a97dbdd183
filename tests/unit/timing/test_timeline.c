/* timeline: transfers -> flights, labels, records, round trips, completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timing/projection.h"
#include "timing/timeline.h"

#include "util/banned.h"

#define MS 1000000ull

struct buf {
    uint8_t b[8192];
    size_t n;
};

static void put(struct buf *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void u8(struct buf *o, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(o, &c, 1);
}

static void u16(struct buf *o, unsigned v)
{
    u8(o, v >> 8);
    u8(o, v & 0xff);
}

static void u24(struct buf *o, size_t v)
{
    u8(o, (unsigned)(v >> 16));
    u16(o, (unsigned)(v & 0xffff));
}

/* A record of type around body. */
static void record(struct buf *o, unsigned type, const uint8_t *body, size_t n)
{
    u8(o, type);
    u16(o, 0x0303);
    u16(o, (unsigned)n);
    put(o, body, n);
}

/* A handshake message of type with a body of n bytes (content filled). */
static void message(struct buf *o, unsigned type, const uint8_t *body, size_t n)
{
    u8(o, type);
    u24(o, n);
    put(o, body, n);
}

static void server_hello(struct buf *msg, bool tls13)
{
    struct buf b = {.n = 0};
    u16(&b, 0x0303);
    uint8_t random[32];
    memset(random, 0x11, sizeof random);
    put(&b, random, sizeof random);
    u8(&b, 0);
    u16(&b, tls13 ? 0x1301 : 0xc02f);
    u8(&b, 0);
    if (tls13) {
        u16(&b, 6 + 40);
        u16(&b, 43); /* supported_versions */
        u16(&b, 2);
        u16(&b, 0x0304);
        u16(&b, 51); /* key_share: x25519 */
        u16(&b, 36);
        u16(&b, 0x001d);
        u16(&b, 32);
        uint8_t share[32];
        memset(share, 9, sizeof share);
        put(&b, share, sizeof share);
    }
    message(msg, 2, b.b, b.n);
}

static void feed(tp_tl_builder *b, enum tp_dir dir, uint64_t t, const struct buf *data)
{
    assert_int_equal(tp_tl_feed(b, dir, t, data->b, data->n), TP_OK);
}

/* Round trips until the client may send data, TCP handshake included, when
 * tl's flights are projected onto a fast link (propagation decides). */
static double projected_round_trips(const struct tp_timeline *tl, bool false_start)
{
    struct tp_link link;
    tp_error err = {0};
    assert_int_equal(tp_link_parse_spec(&link, "bw=100M,rtt=100ms,mtu=1500", &err), TP_OK);
    struct tp_flight f[TP_PROJ_MAX_FLIGHTS];
    size_t n = tp_tl_flights(tl, f, TP_PROJ_MAX_FLIGHTS);
    struct tp_proj_params p;
    tp_proj_params_default(&p);
    p.false_start = false_start;
    struct tp_projection pr;
    assert_int_equal(tp_project(&link, &p, f, n, &pr, &err), TP_OK);
    return pr.round_trips;
}

static void rtt_is(double got, double want)
{
    if (got < want - 1e-9 || got > want + 1e-9)
        fail_msg("round trips: got %.4f, want %.4f", got, want);
}

static void tls12_full(void **state)
{
    (void)state;
    tp_tl_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    tp_tl_init(b, 0, NULL, NULL);
    uint8_t filler[1200];
    memset(filler, 0x42, sizeof filler);

    struct buf ch = {.n = 0}, m = {.n = 0};
    message(&m, 1, filler, 200);
    record(&ch, 22, m.b, m.n);
    feed(b, TP_DIR_C2S, 1 * MS, &ch);

    /* ServerHello, Certificate (1000-byte body) and ServerHelloDone in one
     * record, delivered in two pieces that split its header. */
    struct buf hs = {.n = 0}, srv = {.n = 0};
    server_hello(&hs, false);
    message(&hs, 11, filler, 1000);
    message(&hs, 14, filler, 0);
    record(&srv, 22, hs.b, hs.n);
    struct buf a = {.n = 0}, c = {.n = 0};
    put(&a, srv.b, 3);
    put(&c, srv.b + 3, srv.n - 3);
    feed(b, TP_DIR_S2C, 2 * MS, &a);
    feed(b, TP_DIR_S2C, 3 * MS, &c);

    struct buf cli = {.n = 0}, cke = {.n = 0};
    message(&cke, 16, filler, 66);
    record(&cli, 22, cke.b, cke.n);
    uint8_t one = 1;
    record(&cli, 20, &one, 1);
    record(&cli, 22, filler, 40); /* protected Finished */
    feed(b, TP_DIR_C2S, 4 * MS, &cli);

    struct buf fin = {.n = 0};
    record(&fin, 20, &one, 1);
    record(&fin, 22, filler, 40);
    feed(b, TP_DIR_S2C, 5 * MS, &fin);

    struct buf bye = {.n = 0};
    record(&bye, 21, filler, 26); /* close_notify, protected */
    feed(b, TP_DIR_C2S, 6 * MS, &bye);

    struct tp_timeline tl;
    tp_tl_result(b, NULL, &tl);
    assert_true(tl.complete);
    assert_int_equal(tl.version, 0x0303);
    assert_int_equal(tl.n_flights, 4); /* close_notify is not a flight */
    assert_string_equal(tl.flights[0].label, "ClientHello");
    assert_string_equal(tl.flights[1].label, "ServerHello..ServerHelloDone");
    assert_string_equal(tl.flights[2].label, "ClientKeyExchange..Finished");
    assert_string_equal(tl.flights[3].label, "ChangeCipherSpec..Finished");
    assert_int_equal(tl.flights[1].records, 1);
    assert_int_equal(tl.flights[1].bytes, srv.n);
    assert_int_equal(tl.flights[2].records, 3);
    assert_true(tl.flights[1].start_ms > 1.999 && tl.flights[1].start_ms < 2.001);
    assert_true(tl.flights[1].end_ms > 2.999 && tl.flights[1].end_ms < 3.001);
    assert_int_equal(tl.round_trips, 2);
    assert_true(tl.handshake_ms > 3.999 && tl.handshake_ms < 4.001);
    assert_int_equal(tl.certificate_bytes, 1004);
    assert_false(tl.certificate_estimated);
    assert_int_equal(tl.cert_flight, 1);
    assert_int_equal(tl.client_kx_bytes, 70);
    assert_int_equal(tl.bytes[TP_DIR_C2S], ch.n + cli.n);
    assert_false(tl.resumed);
    /* TCP, ClientHello..ServerHelloDone, ClientKeyExchange..Finished: the
     * client waits for the server's Finished unless it falses start. */
    rtt_is(projected_round_trips(&tl, false), 3.0);
    rtt_is(projected_round_trips(&tl, true), 2.0);
    tp_tl_finish(b);
    free(b);
}

static void tls13_with_compat_ccs(void **state)
{
    (void)state;
    tp_tl_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    tp_tl_init(b, 0, NULL, NULL);
    uint8_t filler[600];
    memset(filler, 0x42, sizeof filler);
    uint8_t one = 1;

    struct buf ch = {.n = 0}, m = {.n = 0};
    message(&m, 1, filler, 300);
    record(&ch, 22, m.b, m.n);
    feed(b, TP_DIR_C2S, 10 * MS, &ch);

    struct buf sh = {.n = 0}, shr = {.n = 0};
    server_hello(&sh, true);
    record(&shr, 22, sh.b, sh.n);
    feed(b, TP_DIR_S2C, 11 * MS, &shr);

    /* GnuTLS sends its compatibility CCS as soon as the ServerHello is in
     * (RFC 8446 App. D.4): it must not split the server's flight. */
    struct buf ccs = {.n = 0};
    record(&ccs, 20, &one, 1);
    feed(b, TP_DIR_C2S, 11 * MS + 10, &ccs);

    struct buf enc = {.n = 0};
    record(&enc, 23, filler, 500); /* EncryptedExtensions, Certificate */
    record(&enc, 23, filler, 300); /* CertificateVerify */
    record(&enc, 23, filler, 53);  /* Finished */
    feed(b, TP_DIR_S2C, 12 * MS, &enc);

    struct buf fin = {.n = 0};
    record(&fin, 23, filler, 53);
    feed(b, TP_DIR_C2S, 13 * MS, &fin);

    struct buf nst = {.n = 0};
    record(&nst, 23, filler, 200);
    feed(b, TP_DIR_S2C, 14 * MS, &nst);

    uint32_t der[2] = {800, 700};
    struct tp_tl_facts facts = {.cert_der = der, .n_certs = 2, .cert_verify_bytes = 264};
    struct tp_timeline tl;
    tp_tl_result(b, &facts, &tl);
    assert_int_equal(tl.version, 0x0304);
    assert_true(tl.complete);
    assert_int_equal(tl.n_flights, 4);
    assert_string_equal(tl.flights[1].label, "ServerHello..Finished");
    assert_int_equal(tl.flights[1].records, 4);
    assert_string_equal(tl.flights[2].label, "Finished");
    assert_int_equal(tl.flights[2].records, 2); /* the CCS travels with it */
    assert_int_equal(tl.flights[2].bytes, ccs.n + fin.n);
    assert_string_equal(tl.flights[3].label, "NewSessionTicket");
    assert_true(tl.flights[3].post_handshake);
    assert_int_equal(tl.round_trips, 1);
    assert_true(tl.handshake_ms > 2.999 && tl.handshake_ms < 3.001);
    /* 4 + 1 + 3 + (3 + 800 + 2) + (3 + 700 + 2) */
    assert_int_equal(tl.certificate_bytes, 1518);
    assert_true(tl.certificate_estimated);
    assert_int_equal(tl.cert_flight, 1);
    assert_int_equal(tl.server_kx_bytes, 264);
    /* TCP, ClientHello..Finished; the ticket after it is not waited for. */
    rtt_is(projected_round_trips(&tl, false), 2.0);
    tp_tl_finish(b);
    free(b);
}

/* TLS 1.2 abbreviated handshake (RFC 5246 Sec. 7.3, Figure 2): the server
 * answers the session ID or ticket with ServerHello, ChangeCipherSpec and
 * Finished; the client's ChangeCipherSpec and Finished end it and may carry
 * data. */
static void tls12_abbreviated(void **state)
{
    (void)state;
    tp_tl_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    tp_tl_init(b, 0, NULL, NULL);
    uint8_t filler[400];
    memset(filler, 0x42, sizeof filler);
    uint8_t one = 1;

    struct buf ch = {.n = 0}, m = {.n = 0};
    message(&m, 1, filler, 400);
    record(&ch, 22, m.b, m.n);
    feed(b, TP_DIR_C2S, 1 * MS, &ch);

    struct buf hs = {.n = 0}, srv = {.n = 0};
    server_hello(&hs, false);
    record(&srv, 22, hs.b, hs.n);
    record(&srv, 20, &one, 1);
    record(&srv, 22, filler, 40); /* protected Finished */
    feed(b, TP_DIR_S2C, 2 * MS, &srv);

    struct buf cli = {.n = 0};
    record(&cli, 20, &one, 1);
    record(&cli, 22, filler, 40);
    feed(b, TP_DIR_C2S, 3 * MS, &cli);

    struct tp_timeline tl;
    tp_tl_result(b, NULL, &tl);
    assert_true(tl.complete);
    assert_true(tl.resumed);
    assert_int_equal(tl.n_flights, 3);
    assert_string_equal(tl.flights[1].label, "ServerHello..Finished");
    assert_string_equal(tl.flights[2].label, "ChangeCipherSpec..Finished");
    assert_int_equal(tl.round_trips, 1);
    assert_true(tl.handshake_ms > 1.999 && tl.handshake_ms < 2.001);
    /* TCP, ClientHello..Finished: 2, False Start or not. */
    rtt_is(projected_round_trips(&tl, false), 2.0);
    rtt_is(projected_round_trips(&tl, true), 2.0);
    tp_tl_finish(b);
    free(b);
}

static void incomplete_and_unknown_bytes(void **state)
{
    (void)state;
    tp_tl_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    tp_tl_init(b, 5 * MS, NULL, NULL);
    assert_int_equal(tp_tl_feed(b, TP_DIR_C2S, 6 * MS, NULL, 300), TP_OK);
    uint8_t junk[10] = {0x47, 0x45, 0x54, 0x20}; /* "GET " is no record */
    assert_int_equal(tp_tl_feed(b, TP_DIR_S2C, 7 * MS, junk, sizeof junk), TP_OK);
    struct tp_timeline tl;
    tp_tl_result(b, NULL, &tl);
    assert_false(tl.complete);
    assert_true(tl.handshake_ms < 0);
    assert_int_equal(tl.n_flights, 2);
    assert_int_equal(tl.flights[0].bytes, 300);
    assert_int_equal(tl.flights[0].records, 0);
    assert_int_equal(tl.flights[1].records, 0);
    assert_true(tl.flights[0].start_ms > 0.999 && tl.flights[0].start_ms < 1.001);
    tp_tl_finish(b);
    free(b);
}

static void many_flights_merge(void **state)
{
    (void)state;
    tp_tl_builder *b = malloc(sizeof *b);
    assert_non_null(b);
    tp_tl_init(b, 0, NULL, NULL);
    for (unsigned i = 0; i < 3 * TP_TL_MAX_FLIGHTS; i++)
        assert_int_equal(tp_tl_feed(b, i % 2 ? TP_DIR_S2C : TP_DIR_C2S, i * MS, NULL, 10),
                         TP_OK);
    struct tp_timeline tl;
    tp_tl_result(b, NULL, &tl);
    assert_true(tl.more_flights);
    assert_int_equal(tl.n_flights, TP_TL_MAX_FLIGHTS);
    assert_int_equal(tl.bytes[0] + tl.bytes[1], 30 * TP_TL_MAX_FLIGHTS);
    tp_tl_finish(b);
    free(b);
}

static void size_estimates(void **state)
{
    (void)state;
    assert_int_equal(tp_tl_cert_verify_bytes("RSA", 2048), 8 + 256);
    assert_int_equal(tp_tl_cert_verify_bytes("EC", 256), 8 + 72);
    assert_int_equal(tp_tl_cert_verify_bytes("Ed25519", 256), 8 + 64);
    assert_int_equal(tp_tl_cert_verify_bytes(NULL, 0), 0);
    uint32_t one = 100;
    assert_int_equal(tp_tl_cert13_bytes(&one, 1), 8 + 105);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls12_full),
        cmocka_unit_test(tls13_with_compat_ccs),
        cmocka_unit_test(tls12_abbreviated),
        cmocka_unit_test(incomplete_and_unknown_bytes),
        cmocka_unit_test(many_flights_merge),
        cmocka_unit_test(size_estimates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
