/* packet.h: decoding one captured packet down to its TCP segment: link layer
 * (Ethernet with up to two VLAN tags, Linux cooked v1/v2, raw IP, BSD
 * loopback), IPv4 (RFC 791) with options, IPv6 (RFC 8200) with extension
 * headers, TCP (RFC 9293) with options. Pure: no libpcap, no I/O. Every
 * field is read through wire/reader.h; a packet that is not a TCP segment
 * we can use is skipped with a reason, never guessed at.
 *
 * Checksums are not verified: captures taken on the sending host carry
 * checksums the NIC fills in later (offload). */
#ifndef TP_CAPTURE_PACKET_H
#define TP_CAPTURE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Link types as libpcap's pcap_datalink() reports them on Linux (DLT_*
 * values, which pcapfile.c checks against pcap.h at compile time). */
enum tp_linktype {
    TP_LINK_NULL = 0,        /* BSD loopback, host-order 4-byte family */
    TP_LINK_EN10MB = 1,      /* Ethernet */
    TP_LINK_RAW = 12,        /* raw IPv4/IPv6 (LINKTYPE_RAW 101 in files) */
    TP_LINK_LOOP = 108,      /* OpenBSD loopback, network-order family */
    TP_LINK_LINUX_SLL = 113, /* Linux cooked v1 */
    TP_LINK_IPV4 = 228,
    TP_LINK_IPV6 = 229,
    TP_LINK_LINUX_SLL2 = 276, /* Linux cooked v2 */
};

/* Why a packet was not delivered as a segment. */
enum tp_skip {
    TP_SKIP_NONE = 0,
    TP_SKIP_LINKTYPE,  /* link type we do not decode */
    TP_SKIP_NOT_IP,    /* ARP, LLC, a third VLAN tag, ... */
    TP_SKIP_NOT_TCP,   /* UDP, ICMP, ESP, ... */
    TP_SKIP_FRAGMENT,  /* a non-first IP fragment (no reassembly) */
    TP_SKIP_SNAPLEN,   /* headers cut off by the capture's snapshot length */
    TP_SKIP_MALFORMED, /* inconsistent or truncated headers */
    TP_SKIP_COUNT
};

/* "linktype", "not-ip", "not-tcp", "fragment", "snaplen", "malformed" */
const char *tp_skip_name(enum tp_skip skip);

#define TP_TCP_FIN 0x01
#define TP_TCP_SYN 0x02
#define TP_TCP_RST 0x04
#define TP_TCP_PSH 0x08
#define TP_TCP_ACK 0x10
#define TP_TCP_URG 0x20

struct tp_segment {
    uint64_t ts_ns;          /* capture time, ns since the epoch */
    int family;              /* AF_INET or AF_INET6 */
    uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;           /* TP_TCP_* */
    uint16_t window;
    uint16_t mss;            /* MSS option, 0 if absent */
    int wscale;              /* window scale option, -1 if absent */
    bool sack_permitted;
    bool has_ts;
    uint32_t tsval, tsecr;
    const uint8_t *payload;  /* borrowed from the packet buffer */
    uint32_t payload_len;    /* bytes captured */
    uint32_t wire_payload_len; /* bytes the segment carried on the wire */
    bool cut;                /* snaplen or a first fragment kept part of it */
    uint32_t wire_len;       /* original packet length */
};

/* Decode one packet. TP_OK: *seg is filled and *skip is TP_SKIP_NONE.
 * Otherwise *skip says why, err has the detail, and the status is
 * TP_E_PARSE (malformed, snaplen) or TP_E_UNSUPPORTED (the rest). caplen is
 * what was captured, wire_len what was on the wire. */
TP_MUST_CHECK tp_status tp_decode_packet(int linktype, const uint8_t *data, size_t caplen,
                                         uint32_t wire_len, uint64_t ts_ns,
                                         struct tp_segment *seg, enum tp_skip *skip,
                                         tp_error *err);

#endif
