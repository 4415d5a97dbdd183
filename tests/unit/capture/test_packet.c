/* Capture files (pcap, pcapng) written here byte by byte, read back with
 * libpcap, and decoded by capture/packet.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "capture/packet.h"
#include "capture/pcapfile.h"

#include "util/banned.h"

/* ---- packet builders ---- */

struct buf {
    uint8_t b[2048];
    size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->b);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void u8(struct buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}

static void u16(struct buf *b, unsigned v)
{
    u8(b, v >> 8);
    u8(b, v);
}

static void u32(struct buf *b, uint32_t v)
{
    u16(b, v >> 16);
    u16(b, v & 0xFFFF);
}

static void le16(struct buf *b, unsigned v)
{
    u8(b, v);
    u8(b, v >> 8);
}

static void le32(struct buf *b, uint32_t v)
{
    le16(b, v & 0xFFFF);
    le16(b, v >> 16);
}

/* TCP header with MSS and timestamps options (20 + 16 bytes), then data. */
static void tcp(struct buf *b, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                const char *data)
{
    u16(b, sport);
    u16(b, dport);
    u32(b, seq);
    u32(b, 0x01020304);
    u8(b, (36 / 4) << 4);
    u8(b, flags);
    u16(b, 65535);
    u16(b, 0);
    u16(b, 0);
    u8(b, 2), u8(b, 4), u16(b, 1460);                      /* MSS */
    u8(b, 1), u8(b, 1);                                    /* NOP NOP */
    u8(b, 8), u8(b, 10), u32(b, 111), u32(b, 222);         /* timestamps */
    put(b, data, strlen(data));
}

static void ipv4(struct buf *b, unsigned proto, unsigned frag, unsigned options,
                 const struct buf *payload)
{
    unsigned ihl = 20 + options;
    u8(b, 0x40 | (ihl / 4));
    u8(b, 0);
    u16(b, ihl + payload->n);
    u16(b, 1);
    u16(b, frag);
    u8(b, 64);
    u8(b, proto);
    u16(b, 0);
    u32(b, 0x7F000001);
    u32(b, 0x7F000002);
    for (unsigned i = 0; i < options; i++)
        u8(b, 1); /* NOP options */
    put(b, payload->b, payload->n);
}

static const uint8_t v6_lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* IPv6 with optional extension bytes (already chained) before the payload. */
static void ipv6(struct buf *b, unsigned next, const struct buf *ext, const struct buf *payload)
{
    u32(b, 0x60000000);
    u16(b, (ext ? ext->n : 0) + payload->n);
    u8(b, next);
    u8(b, 64);
    put(b, v6_lo, 16);
    put(b, v6_lo, 16);
    if (ext)
        put(b, ext->b, ext->n);
    put(b, payload->b, payload->n);
}

static void ether(struct buf *b, unsigned vlans, unsigned type)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    put(b, macs, sizeof macs);
    for (unsigned i = 0; i < vlans; i++) {
        u16(b, i == 0 && vlans > 1 ? 0x88A8 : 0x8100);
        u16(b, 100 + i);
    }
    u16(b, type);
}

static struct buf tcp_hello(void)
{
    struct buf t = {.n = 0};
    tcp(&t, 40000, 443, 1000, 0x18, "hello");
    return t;
}

static struct buf eth_ipv4_tcp(unsigned vlans)
{
    struct buf t = tcp_hello(), ip = {.n = 0}, f = {.n = 0};
    ipv4(&ip, 6, 0, 0, &t);
    ether(&f, vlans, 0x0800);
    put(&f, ip.b, ip.n);
    return f;
}

/* ---- capture file writer ---- */

struct rec {
    const struct buf *pkt;
    uint32_t caplen, wire_len; /* 0: the packet's length */
    uint32_t omit;             /* bytes of data left out: a cut-short file */
};

static FILE *pcap_file(bool nano, uint32_t linktype, uint32_t snaplen, const struct rec *recs,
                       size_t n)
{
    FILE *fp = tmpfile();
    struct buf h = {.n = 0};
    assert_non_null(fp);
    le32(&h, nano ? 0xA1B23C4D : 0xA1B2C3D4);
    le16(&h, 2), le16(&h, 4), le32(&h, 0), le32(&h, 0), le32(&h, snaplen), le32(&h, linktype);
    assert_int_equal(fwrite(h.b, 1, h.n, fp), h.n);
    for (size_t i = 0; i < n; i++) {
        struct buf r = {.n = 0};
        uint32_t cap = recs[i].caplen ? recs[i].caplen : (uint32_t)recs[i].pkt->n;
        uint32_t wire = recs[i].wire_len ? recs[i].wire_len : (uint32_t)recs[i].pkt->n;
        le32(&r, 1700000000 + (uint32_t)i);
        le32(&r, nano ? 123456789 : 123456);
        le32(&r, cap), le32(&r, wire);
        assert_int_equal(fwrite(r.b, 1, r.n, fp), r.n);
        assert_int_equal(fwrite(recs[i].pkt->b, 1, cap - recs[i].omit, fp), cap - recs[i].omit);
    }
    rewind(fp);
    return fp;
}

/* Open fp, decode its first packet; returns the skip reason. The payload is
 * copied to keep[], since the packet buffer goes with the capture. */
static enum tp_skip read_one(FILE *fp, struct tp_segment *seg, tp_error *err, int *linktype)
{
    static uint8_t keep[2048];
    struct tp_pcap *pc;
    struct tp_raw_packet pkt;
    bool end;
    enum tp_skip skip = TP_SKIP_COUNT;
    assert_int_equal(tp_pcap_open_file(fp, &pc, err), TP_OK);
    assert_int_equal(tp_pcap_next(pc, &pkt, &end, err), TP_OK);
    assert_false(end);
    *linktype = tp_pcap_linktype(pc);
    tp_status st = tp_decode_packet(*linktype, pkt.data, pkt.caplen, pkt.wire_len, pkt.ts_ns,
                                    seg, &skip, err);
    assert_true((st == TP_OK) == (skip == TP_SKIP_NONE));
    if (st == TP_OK) {
        assert_true(seg->payload_len <= sizeof keep);
        memcpy(keep, seg->payload, seg->payload_len);
        seg->payload = keep;
    }
    tp_pcap_destroy(pc);
    return skip;
}

static enum tp_skip decode(int linktype, const struct buf *b, struct tp_segment *seg,
                           tp_error *err)
{
    enum tp_skip skip = TP_SKIP_COUNT;
    tp_error_clear(err);
    tp_status st = tp_decode_packet(linktype, b->b, b->n, (uint32_t)b->n, 5, seg, &skip, err);
    assert_true((st == TP_OK) == (skip == TP_SKIP_NONE));
    return skip;
}

static void check_hello(const struct tp_segment *s)
{
    assert_int_equal(s->sport, 40000);
    assert_int_equal(s->dport, 443);
    assert_int_equal(s->seq, 1000);
    assert_int_equal(s->ack, 0x01020304);
    assert_int_equal(s->flags, TP_TCP_PSH | TP_TCP_ACK);
    assert_int_equal(s->mss, 1460);
    assert_true(s->has_ts);
    assert_int_equal(s->tsval, 111);
    assert_int_equal(s->tsecr, 222);
    assert_int_equal(s->wscale, -1);
    assert_int_equal(s->payload_len, 5);
    assert_int_equal(s->wire_payload_len, 5);
    assert_memory_equal(s->payload, "hello", 5);
    assert_false(s->cut);
}

static void pcap_ethernet_nano(void **state)
{
    (void)state;
    struct buf f = eth_ipv4_tcp(0);
    struct rec r = {&f, 0, 0, 0};
    struct tp_segment s;
    tp_error err = {0};
    int lt;
    assert_int_equal(read_one(pcap_file(true, 1, 65535, &r, 1), &s, &err, &lt), TP_SKIP_NONE);
    assert_int_equal(lt, TP_LINK_EN10MB);
    assert_true(s.ts_ns == 1700000000ull * 1000000000ull + 123456789ull);
    assert_int_equal(s.family, AF_INET);
    assert_memory_equal(s.src, "\x7f\0\0\x01", 4);
    check_hello(&s);
}

static void pcap_micro_scaled(void **state)
{
    (void)state;
    struct buf f = eth_ipv4_tcp(1);
    struct rec r = {&f, 0, 0, 0};
    struct tp_segment s;
    tp_error err = {0};
    int lt;
    assert_int_equal(read_one(pcap_file(false, 1, 65535, &r, 1), &s, &err, &lt), TP_SKIP_NONE);
    assert_true(s.ts_ns == 1700000000ull * 1000000000ull + 123456000ull);
    check_hello(&s);
}

static void vlans(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    struct buf one = eth_ipv4_tcp(1), two = eth_ipv4_tcp(2), three = eth_ipv4_tcp(3);
    assert_int_equal(decode(TP_LINK_EN10MB, &one, &s, &err), TP_SKIP_NONE);
    check_hello(&s);
    assert_int_equal(decode(TP_LINK_EN10MB, &two, &s, &err), TP_SKIP_NONE);
    check_hello(&s);
    assert_int_equal(decode(TP_LINK_EN10MB, &three, &s, &err), TP_SKIP_NOT_IP);
    assert_non_null(strstr(err.msg, "VLAN"));
}

static void other_link_layers(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    struct buf t = tcp_hello(), ip = {.n = 0}, ip6 = {.n = 0};
    ipv4(&ip, 6, 0, 0, &t);
    ipv6(&ip6, 6, NULL, &t);

    struct buf sll = {.n = 0};
    u16(&sll, 0), u16(&sll, 772), u16(&sll, 6), put(&sll, "\0\0\0\0\0\0\0\0", 8);
    u16(&sll, 0x0800), put(&sll, ip.b, ip.n);
    assert_int_equal(decode(TP_LINK_LINUX_SLL, &sll, &s, &err), TP_SKIP_NONE);
    check_hello(&s);

    struct buf sll2 = {.n = 0};
    u16(&sll2, 0x86DD), u16(&sll2, 0), u32(&sll2, 1), u16(&sll2, 772), u8(&sll2, 0),
        u8(&sll2, 6), put(&sll2, "\0\0\0\0\0\0\0\0", 8), put(&sll2, ip6.b, ip6.n);
    assert_int_equal(decode(TP_LINK_LINUX_SLL2, &sll2, &s, &err), TP_SKIP_NONE);
    assert_int_equal(s.family, AF_INET6);
    check_hello(&s);

    assert_int_equal(decode(TP_LINK_RAW, &ip6, &s, &err), TP_SKIP_NONE);
    check_hello(&s);

    struct buf null4 = {.n = 0}, null6 = {.n = 0}, loop = {.n = 0}, nullx = {.n = 0};
    le32(&null4, 2), put(&null4, ip.b, ip.n);
    le32(&null6, 30), put(&null6, ip6.b, ip6.n); /* macOS AF_INET6 */
    u32(&loop, 24), put(&loop, ip6.b, ip6.n);    /* OpenBSD, network order */
    le32(&nullx, 7), put(&nullx, ip.b, ip.n);
    assert_int_equal(decode(TP_LINK_NULL, &null4, &s, &err), TP_SKIP_NONE);
    assert_int_equal(decode(TP_LINK_NULL, &null6, &s, &err), TP_SKIP_NONE);
    assert_int_equal(s.family, AF_INET6);
    assert_int_equal(decode(TP_LINK_LOOP, &loop, &s, &err), TP_SKIP_NONE);
    assert_int_equal(decode(TP_LINK_NULL, &nullx, &s, &err), TP_SKIP_NOT_IP);
    assert_int_equal(decode(147, &ip, &s, &err), TP_SKIP_LINKTYPE);
}

static void raw_file_linktype(void **state)
{
    (void)state;
    struct buf t = tcp_hello(), ip = {.n = 0};
    ipv4(&ip, 6, 0, 0, &t);
    struct rec r = {&ip, 0, 0, 0};
    struct tp_segment s;
    tp_error err = {0};
    int lt;
    /* LINKTYPE_RAW (101) in the file is DLT_RAW (12) to the program. */
    assert_int_equal(read_one(pcap_file(true, 101, 65535, &r, 1), &s, &err, &lt), TP_SKIP_NONE);
    assert_int_equal(lt, TP_LINK_RAW);
    check_hello(&s);
}

static void ipv4_options_and_fragments(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    struct buf t = tcp_hello(), opt = {.n = 0}, later = {.n = 0}, first = {.n = 0},
               udp = {.n = 0}, pad = {.n = 0};
    ipv4(&opt, 6, 0, 8, &t);
    assert_int_equal(decode(TP_LINK_RAW, &opt, &s, &err), TP_SKIP_NONE);
    check_hello(&s);
    ipv4(&later, 6, 0x2000 | 185, 0, &t);
    assert_int_equal(decode(TP_LINK_RAW, &later, &s, &err), TP_SKIP_FRAGMENT);
    assert_non_null(strstr(err.msg, "non-first IPv4 fragment (offset 1480)"));
    ipv4(&first, 6, 0x2000, 0, &t);
    assert_int_equal(decode(TP_LINK_RAW, &first, &s, &err), TP_SKIP_NONE);
    assert_true(s.cut);
    ipv4(&udp, 17, 0, 0, &t);
    assert_int_equal(decode(TP_LINK_RAW, &udp, &s, &err), TP_SKIP_NOT_TCP);
    /* Ethernet padding after the IP packet is not payload. */
    ipv4(&pad, 6, 0, 0, &t);
    put(&pad, "\0\0\0\0\0\0", 6);
    assert_int_equal(decode(TP_LINK_RAW, &pad, &s, &err), TP_SKIP_NONE);
    check_hello(&s);
}

static void ipv6_extensions(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    struct buf t = tcp_hello(), ext = {.n = 0}, p = {.n = 0};
    /* hop-by-hop (8 B) -> destination options (16 B) -> TCP */
    u8(&ext, 60), u8(&ext, 0), put(&ext, "\1\4\0\0\0\0", 6);
    u8(&ext, 6), u8(&ext, 1), put(&ext, "\1\14\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    ipv6(&p, 0, &ext, &t);
    assert_int_equal(decode(TP_LINK_RAW, &p, &s, &err), TP_SKIP_NONE);
    check_hello(&s);

    struct buf frag = {.n = 0}, pf = {.n = 0};
    u8(&frag, 6), u8(&frag, 0), u16(&frag, (10 << 3) | 1), u32(&frag, 7);
    ipv6(&pf, 44, &frag, &t);
    assert_int_equal(decode(TP_LINK_RAW, &pf, &s, &err), TP_SKIP_FRAGMENT);

    struct buf udp = {.n = 0};
    ipv6(&udp, 17, NULL, &t);
    assert_int_equal(decode(TP_LINK_RAW, &udp, &s, &err), TP_SKIP_NOT_TCP);

    /* An extension header claiming more bytes than there are. */
    struct buf big = {.n = 0}, pb = {.n = 0};
    u8(&big, 6), u8(&big, 200), put(&big, "\1\4\0\0\0\0", 6);
    ipv6(&pb, 0, &big, &t);
    assert_int_equal(decode(TP_LINK_RAW, &pb, &s, &err), TP_SKIP_MALFORMED);

    /* Nine hop-by-hop headers in a row. */
    struct buf many = {.n = 0}, pm = {.n = 0};
    for (int i = 0; i < 9; i++)
        u8(&many, i == 8 ? 6 : 0), u8(&many, 0), put(&many, "\1\4\0\0\0\0", 6);
    ipv6(&pm, 0, &many, &t);
    assert_int_equal(decode(TP_LINK_RAW, &pm, &s, &err), TP_SKIP_MALFORMED);
    assert_non_null(strstr(err.msg, "extension headers"));
}

static void bogus_lengths(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    struct buf t = tcp_hello(), ip = {.n = 0};
    ipv4(&ip, 6, 0, 0, &t);

    struct buf b = ip;
    b.b[0] = 0x44; /* IHL 16 bytes */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);
    assert_non_null(strstr(err.msg, "IPv4 header length 16"));

    b = ip;
    b.b[3] = (uint8_t)(b.b[3] + 40); /* total length beyond the packet */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    b = ip;
    b.b[2] = 0, b.b[3] = 10; /* total length below the header */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    b = ip;
    b.b[20 + 12] = 4 << 4; /* TCP data offset 16 */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    b = ip;
    b.b[20 + 12] = 15 << 4; /* TCP data offset 60 > 41-byte segment */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    b = ip;
    b.b[20 + 21] = 0; /* MSS option length 0 */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    b = ip;
    b.b[20 + 27] = 30; /* timestamps option overruns the header */
    assert_int_equal(decode(TP_LINK_RAW, &b, &s, &err), TP_SKIP_MALFORMED);

    /* Every prefix of a good packet is malformed (caplen == wire_len) and
     * never read past its end (the sanitizer build checks that). */
    struct buf f = eth_ipv4_tcp(2);
    for (size_t n = 0; n < f.n - 5; n++) {
        enum tp_skip skip;
        tp_error_clear(&err);
        assert_int_not_equal(tp_decode_packet(TP_LINK_EN10MB, f.b, n, (uint32_t)n, 0, &s, &skip,
                                              &err),
                             TP_OK);
        assert_int_equal(skip, TP_SKIP_MALFORMED);
    }
}

static void snaplen_cut(void **state)
{
    (void)state;
    struct tp_segment s;
    tp_error err = {0};
    int lt;
    struct buf t = {.n = 0}, ip = {.n = 0}, f = {.n = 0};
    tcp(&t, 40000, 443, 1000, 0x18, "a fairly long payload that the snaplen will cut");
    ipv4(&ip, 6, 0, 0, &t);
    ether(&f, 0, 0x0800);
    put(&f, ip.b, ip.n);
    /* Snaplen 64: the headers need 14 + 20 + 36 = 70 bytes, so the cut falls
     * inside the TCP options. */
    struct rec cut_headers = {&f, 64, (uint32_t)f.n, 0};
    assert_int_equal(read_one(pcap_file(true, 1, 64, &cut_headers, 1), &s, &err, &lt),
                     TP_SKIP_SNAPLEN);
    /* Snaplen 80: headers whole, 10 of 47 payload bytes kept. */
    struct rec cut_payload = {&f, 80, (uint32_t)f.n, 0};
    tp_error_clear(&err);
    assert_int_equal(read_one(pcap_file(true, 1, 80, &cut_payload, 1), &s, &err, &lt),
                     TP_SKIP_NONE);
    assert_true(s.cut);
    assert_int_equal(s.payload_len, 10);
    assert_int_equal(s.wire_payload_len, 47);
    assert_memory_equal(s.payload, "a fairly l", 10);
}

static void corrupt_files(void **state)
{
    (void)state;
    struct tp_pcap *pc;
    tp_error err = {0};
    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite("this is not a capture file at all", 1, 33, fp), 33);
    rewind(fp);
    assert_int_equal(tp_pcap_open_file(fp, &pc, &err), TP_E_PARSE);
    assert_null(pc);
    assert_non_null(strstr(err.msg, "not a readable pcap or pcapng file"));

    tp_error_clear(&err);
    assert_int_equal(tp_pcap_open_path("/nonexistent/x.pcap", &pc, &err), TP_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.pcap"));

    /* Two records, the second cut short in the middle of its data. */
    struct buf f = eth_ipv4_tcp(0);
    struct rec recs[2] = {{&f, 0, 0, 0}, {&f, 0, 0, 20}};
    fp = pcap_file(true, 1, 65535, recs, 2);
    struct tp_raw_packet pkt;
    bool end;
    tp_error_clear(&err);
    assert_int_equal(tp_pcap_open_file(fp, &pc, &err), TP_OK);
    assert_int_equal(tp_pcap_next(pc, &pkt, &end, &err), TP_OK);
    assert_false(end);
    assert_int_equal(tp_pcap_next(pc, &pkt, &end, &err), TP_E_PARSE);
    assert_non_null(strstr(err.msg, "corrupt capture"));
    tp_pcap_destroy(pc);
}

/* pcapng (draft-ietf-opsawg-pcapng): SHB, IDB (Ethernet, default
 * microsecond resolution), one EPB, all little-endian. */
static void pcapng_minimal(void **state)
{
    (void)state;
    struct buf f = eth_ipv4_tcp(0), ng = {.n = 0};
    le32(&ng, 0x0A0D0D0A), le32(&ng, 28), le32(&ng, 0x1A2B3C4D), le16(&ng, 1), le16(&ng, 0);
    le32(&ng, 0xFFFFFFFF), le32(&ng, 0xFFFFFFFF), le32(&ng, 28);
    le32(&ng, 1), le32(&ng, 20), le16(&ng, 1), le16(&ng, 0), le32(&ng, 0), le32(&ng, 20);
    uint32_t padded = (uint32_t)(f.n + 3) / 4 * 4;
    uint32_t len = 32 + padded;
    uint64_t us = 1700000000ull * 1000000ull + 42;
    le32(&ng, 6), le32(&ng, len), le32(&ng, 0), le32(&ng, (uint32_t)(us >> 32)),
        le32(&ng, (uint32_t)us), le32(&ng, (uint32_t)f.n), le32(&ng, (uint32_t)f.n);
    put(&ng, f.b, f.n);
    for (size_t i = f.n; i < padded; i++)
        u8(&ng, 0);
    le32(&ng, len);

    FILE *fp = tmpfile();
    assert_non_null(fp);
    assert_int_equal(fwrite(ng.b, 1, ng.n, fp), ng.n);
    rewind(fp);
    struct tp_segment s;
    tp_error err = {0};
    int lt;
    assert_int_equal(read_one(fp, &s, &err, &lt), TP_SKIP_NONE);
    assert_int_equal(lt, TP_LINK_EN10MB);
    assert_true(s.ts_ns == us * 1000);
    check_hello(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcap_ethernet_nano),
        cmocka_unit_test(pcap_micro_scaled),
        cmocka_unit_test(vlans),
        cmocka_unit_test(other_link_layers),
        cmocka_unit_test(raw_file_linktype),
        cmocka_unit_test(ipv4_options_and_fragments),
        cmocka_unit_test(ipv6_extensions),
        cmocka_unit_test(bogus_lengths),
        cmocka_unit_test(snaplen_cut),
        cmocka_unit_test(corrupt_files),
        cmocka_unit_test(pcapng_minimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
