/* TCP reassembly: order, overlaps, holes, wraparound, RST, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "capture/tcpstream.h"

#include "util/banned.h"

struct chunk {
    enum tp_tcp_side side;
    size_t len;
    uint64_t ts;
};

struct sink {
    char data[2][4096];
    size_t len[2];
    struct chunk chunks[64];
    size_t n_chunks;
    struct tp_tcp_stream ended[8];
    size_t n_ended;
    size_t stop_after; /* return false after this many chunks (0: never) */
};

static bool on_data(void *ctx, struct tp_tcp_stream *st, enum tp_tcp_side side,
                    const uint8_t *data, size_t len, uint64_t ts_ns)
{
    struct sink *k = ctx;
    (void)st;
    assert_true(k->len[side] + len <= sizeof k->data[side]);
    memcpy(k->data[side] + k->len[side], data, len);
    k->len[side] += len;
    if (k->n_chunks < 64)
        k->chunks[k->n_chunks++] = (struct chunk){side, len, ts_ns};
    return k->stop_after == 0 || k->n_chunks < k->stop_after;
}

static void on_end(void *ctx, struct tp_tcp_stream *st)
{
    struct sink *k = ctx;
    if (k->n_ended < 8)
        k->ended[k->n_ended++] = *st;
}

static struct tp_tcp_table *table(struct sink *k, const struct tp_tcp_limits *lim)
{
    struct tp_tcp_callbacks cb = {on_data, on_end, k};
    struct tp_tcp_table *t;
    memset(k, 0, sizeof *k);
    assert_int_equal(tp_tcp_create(lim, &cb, &t, NULL), TP_OK);
    return t;
}

/* A segment from the client (port 40000 + conn) or the server (443). */
static void seg(struct tp_tcp_table *t, int conn, enum tp_tcp_side from, uint32_t seq,
                uint8_t flags, const char *data, uint64_t ts)
{
    struct tp_segment s;
    memset(&s, 0, sizeof s);
    s.family = AF_INET;
    const uint8_t c[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(s.src, from == TP_TCP_CLIENT ? c : srv, 4);
    memcpy(s.dst, from == TP_TCP_CLIENT ? srv : c, 4);
    s.sport = from == TP_TCP_CLIENT ? (uint16_t)(40000 + conn) : 443;
    s.dport = from == TP_TCP_CLIENT ? 443 : (uint16_t)(40000 + conn);
    s.seq = seq;
    s.flags = flags;
    s.payload = (const uint8_t *)data;
    s.payload_len = s.wire_payload_len = (uint32_t)strlen(data);
    s.ts_ns = ts;
    assert_int_equal(tp_tcp_add(t, &s, NULL), TP_OK);
}

#define C TP_TCP_CLIENT
#define S TP_TCP_SERVER
#define SYN TP_TCP_SYN
#define ACK TP_TCP_ACK
#define FIN (TP_TCP_FIN | TP_TCP_ACK)
#define RST TP_TCP_RST

static void in_order_and_close(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 100, SYN, "", 1);
    seg(t, 0, S, 500, SYN | ACK, "", 2);
    seg(t, 0, C, 101, ACK, "", 3);
    seg(t, 0, C, 101, ACK, "hello ", 4);
    seg(t, 0, C, 107, ACK, "world", 5);
    seg(t, 0, S, 501, ACK, "hi", 6);
    seg(t, 0, C, 112, FIN, "", 7);
    assert_int_equal(k.n_ended, 0);
    seg(t, 0, S, 503, FIN, "", 8);
    assert_int_equal(k.n_ended, 1);
    const struct tp_tcp_stream *st = &k.ended[0];
    assert_int_equal(st->end, TP_TCP_END_FIN);
    assert_int_equal(st->syn_ns, 1);
    assert_int_equal(st->synack_ns, 2);
    assert_int_equal(st->port[C], 40000);
    assert_int_equal(st->port[S], 443);
    assert_false(st->half[C].truncated || st->half[S].truncated);
    assert_false(st->half[C].mid_stream);
    assert_int_equal(k.len[C], 11);
    assert_memory_equal(k.data[C], "hello world", 11);
    assert_memory_equal(k.data[S], "hi", 2);
    assert_int_equal(k.n_chunks, 3);
    assert_int_equal(k.chunks[0].ts, 4);
    assert_int_equal(k.chunks[1].ts, 5);
    assert_int_equal(k.chunks[2].ts, 6);
    struct tp_tcp_stats stats;
    tp_tcp_get_stats(t, &stats);
    assert_int_equal(stats.open_streams, 0);
    assert_int_equal(stats.segments, 8);
    tp_tcp_destroy(t);
}

static void out_of_order(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, C, 7, ACK, "ccc", 10); /* bytes 6..8 */
    seg(t, 0, C, 4, ACK, "bbb", 11); /* bytes 3..5 */
    assert_int_equal(k.len[C], 0);
    seg(t, 0, C, 1, ACK, "aaa", 12); /* bytes 0..2 fill the hole */
    assert_int_equal(k.len[C], 9);
    assert_memory_equal(k.data[C], "aaabbbccc", 9);
    /* each chunk keeps the time of the segment that carried it */
    assert_int_equal(k.n_chunks, 3);
    assert_int_equal(k.chunks[0].ts, 12);
    assert_int_equal(k.chunks[1].ts, 11);
    assert_int_equal(k.chunks[2].ts, 10);
    tp_tcp_flush(t);
    assert_int_equal(k.n_ended, 1);
    assert_int_equal(k.ended[0].half[C].out_of_order, 2);
    assert_false(k.ended[0].half[C].truncated);
    assert_int_equal(k.ended[0].end, TP_TCP_END_FLUSHED);
    tp_tcp_destroy(t);
}

static void retransmitted_overlap(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, C, 1, ACK, "0123456789", 2);
    seg(t, 0, C, 6, ACK, "56789abcde", 3); /* 5 old, 5 new */
    seg(t, 0, C, 1, ACK, "0123456789", 4); /* all old */
    seg(t, 0, C, 21, ACK, "klm", 5);      /* ahead */
    seg(t, 0, C, 21, ACK, "klm", 6);      /* repeat of a held segment */
    seg(t, 0, C, 14, ACK, "defghij", 7);  /* 2 old, fills, then "klm" */
    seg(t, 0, C, 0, SYN, "", 8);          /* SYN retransmitted */
    assert_int_equal(k.len[C], 23);
    assert_memory_equal(k.data[C], "0123456789abcdefghijklm", 23);
    tp_tcp_flush(t);
    const struct tp_tcp_half *h = &k.ended[0].half[C];
    assert_int_equal(h->overlap_bytes, 5 + 10 + 3 + 2);
    assert_int_equal(h->retransmits, 5);
    assert_int_equal(h->delivered, 23);
    assert_false(h->truncated);
    tp_tcp_destroy(t);
}

static void gap_truncates(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, S, 0, SYN | ACK, "", 2);
    seg(t, 0, C, 1, ACK, "abc", 3);
    seg(t, 0, C, 10, ACK, "xyz", 4); /* bytes 3..8 never captured */
    seg(t, 0, C, 13, FIN, "", 5);
    seg(t, 0, S, 1, FIN, "", 6);
    assert_int_equal(k.n_ended, 0); /* the client's FIN cannot be reached */
    tp_tcp_flush(t);
    assert_int_equal(k.n_ended, 1);
    const struct tp_tcp_half *h = &k.ended[0].half[C];
    assert_true(h->truncated);
    assert_non_null(strstr(h->truncated_why, "hole"));
    assert_int_equal(k.len[C], 3);
    assert_false(k.ended[0].half[S].truncated);
    tp_tcp_destroy(t);

    /* A FIN beyond what was seen, nothing buffered: missing before FIN. */
    t = table(&k, NULL);
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, C, 1, ACK, "abc", 2);
    seg(t, 0, C, 9, FIN, "", 3);
    tp_tcp_flush(t);
    assert_true(k.ended[0].half[C].truncated);
    assert_non_null(strstr(k.ended[0].half[C].truncated_why, "before the FIN"));
    tp_tcp_destroy(t);
}

static void wraparound(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 0xFFFFFFF9u, SYN, "", 1);  /* data starts at 0xFFFFFFFA */
    seg(t, 0, C, 0x00000000u, ACK, "ghijkl", 3); /* after the wrap, early */
    seg(t, 0, C, 0xFFFFFFFAu, ACK, "abcdef", 2);
    seg(t, 0, C, 0xFFFFFFFCu, ACK, "cdefgh", 4); /* overlap across the wrap */
    seg(t, 0, C, 0x00000006u, FIN, "", 5);
    seg(t, 0, S, 0x7FFFFFFFu, SYN | ACK, "", 6);
    seg(t, 0, S, 0x80000000u, FIN, "ok", 7);
    assert_int_equal(k.len[C], 12);
    assert_memory_equal(k.data[C], "abcdefghijkl", 12);
    assert_int_equal(k.n_ended, 1);
    assert_int_equal(k.ended[0].end, TP_TCP_END_FIN);
    assert_int_equal(k.ended[0].half[C].overlap_bytes, 6);
    tp_tcp_destroy(t);
}

static void reset_ends(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, C, 1, ACK, "abc", 2);
    seg(t, 0, C, 10, ACK, "zz", 3);
    seg(t, 0, S, 0, RST, "", 4);
    assert_int_equal(k.n_ended, 1);
    assert_int_equal(k.ended[0].end, TP_TCP_END_RST);
    assert_true(k.ended[0].half[S].rst);
    assert_true(k.ended[0].half[C].truncated); /* "zz" was never reachable */
    seg(t, 0, S, 0, RST, "", 5); /* a stray reset opens nothing */
    struct tp_tcp_stats stats;
    tp_tcp_get_stats(t, &stats);
    assert_int_equal(stats.open_streams, 0);
    assert_int_equal(stats.streams_opened, 1);
    tp_tcp_destroy(t);
}

static void buffer_cap(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_limits lim;
    tp_tcp_limits_default(&lim);
    lim.max_buffered = 200; /* room for one small held segment */
    struct tp_tcp_table *t = table(&k, &lim);
    char big[120];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    seg(t, 0, C, 0, SYN, "", 1);
    seg(t, 0, C, 1, ACK, "a", 2);
    seg(t, 0, C, 100, ACK, big, 3); /* held */
    seg(t, 0, C, 300, ACK, big, 4); /* over the cap */
    seg(t, 0, C, 2, ACK, "b", 5);   /* too late: delivery stopped */
    assert_int_equal(k.len[C], 1);
    tp_tcp_flush(t);
    assert_true(k.ended[0].half[C].truncated);
    assert_non_null(strstr(k.ended[0].half[C].truncated_why, "buffer limit"));
    tp_tcp_destroy(t);
}

static void stream_cap_and_idle(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_limits lim;
    tp_tcp_limits_default(&lim);
    lim.max_streams = 2;
    lim.idle_ns = 1000;
    struct tp_tcp_table *t = table(&k, &lim);
    seg(t, 1, C, 0, SYN, "", 10);
    seg(t, 2, C, 0, SYN, "", 20);
    seg(t, 1, C, 1, ACK, "a", 30); /* stream 1 is now the more recent */
    seg(t, 3, C, 0, SYN, "", 40);  /* table full: stream 2 goes */
    assert_int_equal(k.n_ended, 1);
    assert_int_equal(k.ended[0].port[C], 40002);
    assert_int_equal(k.ended[0].end, TP_TCP_END_EVICTED);
    seg(t, 3, C, 1, ACK, "b", 1035); /* stream 1 idle 1005 ns > 1000 */
    assert_int_equal(k.n_ended, 2);
    assert_int_equal(k.ended[1].port[C], 40001);
    struct tp_tcp_stats stats;
    tp_tcp_get_stats(t, &stats);
    assert_int_equal(stats.streams_evicted, 2);
    assert_int_equal(stats.open_streams, 1);
    tp_tcp_destroy(t);
    assert_int_equal(k.n_ended, 3);
}

static void mid_stream_and_stop(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    k.stop_after = 1;
    /* No SYN or SYN-ACK seen: the first sender is taken as the client. */
    seg(t, 0, S, 5000, ACK, "first", 1);
    seg(t, 0, S, 5005, ACK, "second", 2);
    assert_int_equal(k.n_chunks, 1); /* the callback said stop */
    tp_tcp_flush(t);
    assert_true(k.ended[0].half[C].mid_stream);
    assert_int_equal(k.ended[0].port[C], 443);
    assert_int_equal(k.ended[0].half[C].delivered, 5);
    assert_int_equal(k.ended[0].half[C].segments, 2);
    tp_tcp_destroy(t);
}

static void port_reuse(void **state)
{
    (void)state;
    struct sink k;
    struct tp_tcp_table *t = table(&k, NULL);
    seg(t, 0, C, 100, SYN, "", 1);
    seg(t, 0, C, 101, ACK, "old", 2);
    seg(t, 0, C, 9000, SYN, "", 3);
    assert_int_equal(k.n_ended, 1);
    seg(t, 0, C, 9001, ACK, "new", 4);
    assert_memory_equal(k.data[C], "oldnew", 6);
    tp_tcp_flush(t);
    assert_int_equal(k.n_ended, 2);
    assert_int_not_equal(k.ended[0].id, k.ended[1].id);
    tp_tcp_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_and_close),  cmocka_unit_test(out_of_order),
        cmocka_unit_test(retransmitted_overlap), cmocka_unit_test(gap_truncates),
        cmocka_unit_test(wraparound),          cmocka_unit_test(reset_ends),
        cmocka_unit_test(buffer_cap),          cmocka_unit_test(stream_cap_and_idle),
        cmocka_unit_test(mid_stream_and_stop), cmocka_unit_test(port_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
