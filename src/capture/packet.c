/* packet.c: see packet.h. Layer by layer: link -> IP -> TCP, each through a
 * tp_reader over exactly its bytes. A read that runs out of bytes is a
 * snaplen cut when the capture says the packet was longer than what was
 * kept, and a malformed packet otherwise. */
#include "capture/packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/reader.h"

#include "util/banned.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT 8 /* more extension headers than any sane packet */

struct dec {
    tp_error *err;
    bool cut;        /* caplen < wire_len */
    enum tp_skip skip;
    struct tp_segment *seg;
};

const char *tp_skip_name(enum tp_skip skip)
{
    static const char *const names[TP_SKIP_COUNT] = {
        "none", "linktype", "not-ip", "not-tcp", "fragment", "snaplen", "malformed",
    };
    return (unsigned)skip < TP_SKIP_COUNT ? names[skip] : "unknown";
}

/* A reader failure: already described by the reader; classify it. */
static tp_status ran_out(struct dec *d, tp_status st)
{
    d->skip = d->cut ? TP_SKIP_SNAPLEN : TP_SKIP_MALFORMED;
    return st;
}

#define READ(d, expr)                                                                    \
    do {                                                                                 \
        tp_status read_status_ = (expr);                                                 \
        if (read_status_ != TP_OK)                                                       \
            return ran_out((d), read_status_);                                           \
    } while (0)

static tp_status skipped(struct dec *d, enum tp_skip why, const char *fmt, ...) TP_PRINTF(3, 4);

static tp_status skipped(struct dec *d, enum tp_skip why, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->skip = why;
    return tp_fail(d->err, why == TP_SKIP_MALFORMED ? TP_E_PARSE : TP_E_UNSUPPORTED, "%s", msg);
}

/* ---- TCP (RFC 9293 Sec. 3.1) ---- */

static tp_status tcp_option(struct dec *d, uint8_t kind, tp_reader *val)
{
    struct tp_segment *s = d->seg;
    size_t len = tp_rd_left(val);
    switch (kind) {
    case 2: /* MSS, RFC 9293 Sec. 3.2 */
        if (len != 2)
            return skipped(d, TP_SKIP_MALFORMED, "TCP MSS option of length %u", (unsigned)len + 2);
        READ(d, tp_rd_u16(val, "TCP MSS", &s->mss));
        return TP_OK;
    case 3: { /* window scale, RFC 7323 Sec. 2.2 */
        uint8_t shift;
        if (len != 1)
            return skipped(d, TP_SKIP_MALFORMED, "TCP window scale option of length %u",
                           (unsigned)len + 2);
        READ(d, tp_rd_u8(val, "TCP window scale", &shift));
        s->wscale = shift;
        return TP_OK;
    }
    case 4: /* SACK permitted, RFC 2018 */
        s->sack_permitted = true;
        return TP_OK;
    case 8: /* timestamps, RFC 7323 Sec. 3.2 */
        if (len != 8)
            return skipped(d, TP_SKIP_MALFORMED, "TCP timestamps option of length %u",
                           (unsigned)len + 2);
        READ(d, tp_rd_u32(val, "TCP TSval", &s->tsval));
        READ(d, tp_rd_u32(val, "TCP TSecr", &s->tsecr));
        s->has_ts = true;
        return TP_OK;
    default:
        return TP_OK; /* SACK blocks, MPTCP, ...: not needed */
    }
}

static tp_status tcp_options(struct dec *d, tp_reader *opts)
{
    while (tp_rd_left(opts) > 0) {
        uint8_t kind, len;
        tp_reader val;
        READ(d, tp_rd_u8(opts, "TCP option kind", &kind));
        if (kind == 0) /* end of option list: the rest is padding */
            return TP_OK;
        if (kind == 1) /* no-operation */
            continue;
        READ(d, tp_rd_u8(opts, "TCP option length", &len));
        if (len < 2)
            return skipped(d, TP_SKIP_MALFORMED, "TCP option length %u below 2", len);
        if (tp_rd_sub(opts, "TCP option", len - 2u, &val) != TP_OK)
            return skipped(d, TP_SKIP_MALFORMED, "TCP option overruns the header (length %u)",
                           len);
        TP_TRY(tcp_option(d, kind, &val));
    }
    return TP_OK;
}

/* rd covers the captured TCP bytes; wire_len is the segment's length as the
 * IP header states it. */
static tp_status decode_tcp(struct dec *d, tp_reader *rd, uint32_t wire_len)
{
    struct tp_segment *s = d->seg;
    uint8_t offset, flags;
    uint16_t csum, urg;
    tp_reader opts;
    READ(d, tp_rd_u16(rd, "TCP source port", &s->sport));
    READ(d, tp_rd_u16(rd, "TCP destination port", &s->dport));
    READ(d, tp_rd_u32(rd, "TCP sequence number", &s->seq));
    READ(d, tp_rd_u32(rd, "TCP acknowledgment number", &s->ack));
    READ(d, tp_rd_u8(rd, "TCP data offset", &offset));
    READ(d, tp_rd_u8(rd, "TCP flags", &flags));
    READ(d, tp_rd_u16(rd, "TCP window", &s->window));
    READ(d, tp_rd_u16(rd, "TCP checksum", &csum));
    READ(d, tp_rd_u16(rd, "TCP urgent pointer", &urg));
    unsigned header = (offset >> 4) * 4u;
    if (header < 20)
        return skipped(d, TP_SKIP_MALFORMED, "TCP data offset %u below 20 bytes", header);
    if (header > wire_len)
        return skipped(d, TP_SKIP_MALFORMED, "TCP header of %u bytes longer than the segment",
                       header);
    READ(d, tp_rd_sub(rd, "TCP options", header - 20, &opts));
    TP_TRY(tcp_options(d, &opts));
    s->flags = flags & 0x3F;
    s->payload_len = (uint32_t)tp_rd_left(rd);
    s->wire_payload_len = wire_len - header;
    READ(d, tp_rd_bytes(rd, "TCP payload", s->payload_len, &s->payload));
    if (s->payload_len < s->wire_payload_len)
        s->cut = true;
    return TP_OK;
}

/* IP payload of declared length `declared`, of which rd holds what was
 * captured (Ethernet padding beyond it is dropped). */
static tp_status ip_payload(struct dec *d, tp_reader *rd, size_t declared, tp_reader *out)
{
    size_t have = tp_rd_left(rd);
    if (declared > have && !d->cut)
        return skipped(d, TP_SKIP_MALFORMED, "IP length exceeds the packet by %u bytes",
                       (unsigned)(declared - have));
    READ(d, tp_rd_sub(rd, "IP payload", declared < have ? declared : have, out));
    return TP_OK;
}

/* ---- IPv4 (RFC 791 Sec. 3.1) ---- */

static tp_status decode_ipv4(struct dec *d, tp_reader *rd)
{
    struct tp_segment *s = d->seg;
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag, csum;
    const uint8_t *src, *dst;
    tp_reader payload;
    READ(d, tp_rd_u8(rd, "IPv4 version/IHL", &vihl));
    if (vihl >> 4 != 4)
        return skipped(d, TP_SKIP_MALFORMED, "IPv4 header with version %u", vihl >> 4);
    unsigned ihl = (vihl & 0x0F) * 4u;
    if (ihl < 20)
        return skipped(d, TP_SKIP_MALFORMED, "IPv4 header length %u below 20", ihl);
    READ(d, tp_rd_u8(rd, "IPv4 TOS", &tos));
    READ(d, tp_rd_u16(rd, "IPv4 total length", &total));
    READ(d, tp_rd_u16(rd, "IPv4 identification", &id));
    READ(d, tp_rd_u16(rd, "IPv4 fragment", &frag));
    READ(d, tp_rd_u8(rd, "IPv4 TTL", &ttl));
    READ(d, tp_rd_u8(rd, "IPv4 protocol", &proto));
    READ(d, tp_rd_u16(rd, "IPv4 checksum", &csum));
    READ(d, tp_rd_bytes(rd, "IPv4 source", 4, &src));
    READ(d, tp_rd_bytes(rd, "IPv4 destination", 4, &dst));
    READ(d, tp_rd_skip(rd, "IPv4 options", ihl - 20));
    if (total < ihl)
        return skipped(d, TP_SKIP_MALFORMED, "IPv4 total length %u below its header", total);
    if ((frag & 0x1FFF) != 0)
        return skipped(d, TP_SKIP_FRAGMENT, "non-first IPv4 fragment (offset %u): not reassembled",
                       (frag & 0x1FFFu) * 8);
    if (proto != 6)
        return skipped(d, TP_SKIP_NOT_TCP, "IPv4 protocol %u is not TCP", proto);
    if (frag & 0x2000) /* first fragment: the rest of the segment is elsewhere */
        s->cut = true;
    s->family = AF_INET;
    memcpy(s->src, src, 4);
    memcpy(s->dst, dst, 4);
    TP_TRY(ip_payload(d, rd, total - ihl, &payload));
    return decode_tcp(d, &payload, total - ihl);
}

/* ---- IPv6 (RFC 8200 Sec. 3, 4) ---- */

static tp_status ipv6_ext(struct dec *d, tp_reader *rd, uint8_t *next)
{
    uint8_t nh, len;
    uint16_t offflags;
    uint32_t ident;
    switch (*next) {
    case 0:   /* hop-by-hop */
    case 43:  /* routing */
    case 60:  /* destination options */
    case 135: /* mobility, RFC 6275 */
    case 139: /* HIP, RFC 7401 */
    case 140: /* shim6, RFC 5533 */
        READ(d, tp_rd_u8(rd, "IPv6 extension next header", &nh));
        READ(d, tp_rd_u8(rd, "IPv6 extension length", &len));
        READ(d, tp_rd_skip(rd, "IPv6 extension header", (len + 1u) * 8 - 2));
        break;
    case 44: /* fragment, RFC 8200 Sec. 4.5 */
        READ(d, tp_rd_u8(rd, "IPv6 fragment next header", &nh));
        READ(d, tp_rd_u8(rd, "IPv6 fragment reserved", &len));
        READ(d, tp_rd_u16(rd, "IPv6 fragment offset", &offflags));
        READ(d, tp_rd_u32(rd, "IPv6 fragment identification", &ident));
        if ((offflags >> 3) != 0)
            return skipped(d, TP_SKIP_FRAGMENT,
                           "non-first IPv6 fragment (offset %u): not reassembled",
                           (offflags >> 3) * 8u);
        if (offflags & 1)
            d->seg->cut = true;
        break;
    case 51: /* authentication header, RFC 4302 Sec. 2.2 */
        READ(d, tp_rd_u8(rd, "IPv6 AH next header", &nh));
        READ(d, tp_rd_u8(rd, "IPv6 AH length", &len));
        READ(d, tp_rd_skip(rd, "IPv6 AH", (len + 2u) * 4 - 2));
        break;
    default:
        return skipped(d, TP_SKIP_NOT_TCP, "IPv6 next header %u is not TCP", *next);
    }
    *next = nh;
    return TP_OK;
}

static tp_status decode_ipv6(struct dec *d, tp_reader *rd)
{
    struct tp_segment *s = d->seg;
    uint32_t vtcfl;
    uint16_t plen;
    uint8_t next, hops;
    const uint8_t *src, *dst;
    tp_reader payload;
    READ(d, tp_rd_u32(rd, "IPv6 version", &vtcfl));
    if (vtcfl >> 28 != 6)
        return skipped(d, TP_SKIP_MALFORMED, "IPv6 header with version %u", vtcfl >> 28);
    READ(d, tp_rd_u16(rd, "IPv6 payload length", &plen));
    READ(d, tp_rd_u8(rd, "IPv6 next header", &next));
    READ(d, tp_rd_u8(rd, "IPv6 hop limit", &hops));
    READ(d, tp_rd_bytes(rd, "IPv6 source", 16, &src));
    READ(d, tp_rd_bytes(rd, "IPv6 destination", 16, &dst));
    if (plen == 0) /* jumbogram (RFC 2675) or empty */
        return skipped(d, TP_SKIP_MALFORMED, "IPv6 payload length 0 (jumbograms unsupported)");
    TP_TRY(ip_payload(d, rd, plen, &payload));
    for (int i = 0; next != 6; i++) {
        if (i == MAX_IPV6_EXT)
            return skipped(d, TP_SKIP_MALFORMED, "more than %u IPv6 extension headers",
                           MAX_IPV6_EXT);
        TP_TRY(ipv6_ext(d, &payload, &next));
    }
    s->family = AF_INET6;
    memcpy(s->src, src, 16);
    memcpy(s->dst, dst, 16);
    size_t ext_len = payload.pos; /* <= plen: payload covers at most plen bytes */
    tp_reader tcp;
    READ(d, tp_rd_sub(&payload, "TCP segment", tp_rd_left(&payload), &tcp));
    return decode_tcp(d, &tcp, (uint32_t)(plen - ext_len));
}

static tp_status decode_ip(struct dec *d, tp_reader *rd, unsigned ethertype)
{
    if (ethertype == ETHERTYPE_IPV4)
        return decode_ipv4(d, rd);
    if (ethertype == ETHERTYPE_IPV6)
        return decode_ipv6(d, rd);
    return skipped(d, TP_SKIP_NOT_IP, "ethertype 0x%04x is not IP", ethertype);
}

/* ---- link layers ---- */

static tp_status decode_ethernet(struct dec *d, tp_reader *rd)
{
    uint16_t type, tci;
    READ(d, tp_rd_skip(rd, "Ethernet addresses", 12));
    READ(d, tp_rd_u16(rd, "Ethernet type", &type));
    /* 802.1Q, 802.1ad (QinQ) and the older 0x9100 outer tag. */
    for (int tags = 0; type == 0x8100 || type == 0x88A8 || type == 0x9100; tags++) {
        if (tags == MAX_VLAN_TAGS)
            return skipped(d, TP_SKIP_NOT_IP, "more than %u VLAN tags", MAX_VLAN_TAGS);
        READ(d, tp_rd_u16(rd, "VLAN tag", &tci));
        READ(d, tp_rd_u16(rd, "VLAN ethertype", &type));
    }
    if (type < 0x0600) /* IEEE 802.3 length: an LLC frame */
        return skipped(d, TP_SKIP_NOT_IP, "802.3 frame with length %u (LLC)", type);
    return decode_ip(d, rd, type);
}

static tp_status decode_sll(struct dec *d, tp_reader *rd)
{
    uint16_t proto;
    /* packet type 2, ARPHRD 2, address length 2, address 8, protocol 2 */
    READ(d, tp_rd_skip(rd, "SLL header", 14));
    READ(d, tp_rd_u16(rd, "SLL protocol", &proto));
    return decode_ip(d, rd, proto);
}

static tp_status decode_sll2(struct dec *d, tp_reader *rd)
{
    uint16_t proto;
    /* protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1, address
     * length 1, address 8 */
    READ(d, tp_rd_u16(rd, "SLL2 protocol", &proto));
    READ(d, tp_rd_skip(rd, "SLL2 header", 18));
    return decode_ip(d, rd, proto);
}

static tp_status decode_raw(struct dec *d, tp_reader *rd)
{
    if (tp_rd_left(rd) == 0)
        return ran_out(d, tp_fail(d->err, TP_E_PARSE, "empty raw IP packet"));
    unsigned version = rd->base[rd->pos] >> 4;
    if (version == 4)
        return decode_ipv4(d, rd);
    if (version == 6)
        return decode_ipv6(d, rd);
    return skipped(d, TP_SKIP_NOT_IP, "raw packet with IP version %u", version);
}

/* BSD loopback: the address family, in the capturing host's byte order
 * (NULL) or network order (LOOP). AF_INET6 differs between systems. */
static tp_status decode_loopback(struct dec *d, tp_reader *rd, bool network_order)
{
    uint32_t family;
    if (network_order)
        READ(d, tp_rd_u32(rd, "loopback family", &family));
    else
        READ(d, tp_rd_u32le(rd, "loopback family", &family));
    if (family > 0xFFFF) /* written on a big-endian host */
        family = __builtin_bswap32(family);
    if (family == 2)
        return decode_ip(d, rd, ETHERTYPE_IPV4);
    if (family == 10 || family == 24 || family == 28 || family == 30)
        return decode_ip(d, rd, ETHERTYPE_IPV6);
    return skipped(d, TP_SKIP_NOT_IP, "loopback family %u is not IP", family);
}

tp_status tp_decode_packet(int linktype, const uint8_t *data, size_t caplen, uint32_t wire_len,
                           uint64_t ts_ns, struct tp_segment *seg, enum tp_skip *skip,
                           tp_error *err)
{
    struct dec d = {err, caplen < wire_len, TP_SKIP_NONE, seg};
    tp_reader rd;
    tp_status st;
    memset(seg, 0, sizeof *seg);
    seg->wscale = -1;
    seg->ts_ns = ts_ns;
    seg->wire_len = wire_len;
    tp_rd_init(&rd, data, caplen, err);
    switch (linktype) {
    case TP_LINK_EN10MB:
        st = decode_ethernet(&d, &rd);
        break;
    case TP_LINK_LINUX_SLL:
        st = decode_sll(&d, &rd);
        break;
    case TP_LINK_LINUX_SLL2:
        st = decode_sll2(&d, &rd);
        break;
    case TP_LINK_RAW:
    case 101: /* LINKTYPE_RAW, should a caller pass the file's value */
    case TP_LINK_IPV4:
    case TP_LINK_IPV6:
        st = decode_raw(&d, &rd);
        break;
    case TP_LINK_NULL:
        st = decode_loopback(&d, &rd, false);
        break;
    case TP_LINK_LOOP:
        st = decode_loopback(&d, &rd, true);
        break;
    default:
        d.skip = TP_SKIP_LINKTYPE;
        st = tp_fail(err, TP_E_UNSUPPORTED, "link type %d is not decoded", linktype);
        break;
    }
    if (st == TP_OK && d.skip != TP_SKIP_NONE)
        st = TP_E_INTERNAL; /* a skip reason without a failure is a bug */
    if (st != TP_OK && d.skip == TP_SKIP_NONE)
        d.skip = TP_SKIP_MALFORMED;
    *skip = d.skip;
    return st;
}
