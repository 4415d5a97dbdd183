/* pcapfile.h: reading a capture file (pcap or pcapng, libpcap tells them
 * apart) packet by packet, with nanosecond timestamps. Decoding is in
 * packet.h; this layer only hands out raw packets and the link type. */
#ifndef TP_CAPTURE_PCAPFILE_H
#define TP_CAPTURE_PCAPFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

struct tp_pcap;

struct tp_raw_packet {
    uint64_t ts_ns;        /* ns since the epoch */
    const uint8_t *data;   /* borrowed: valid until the next tp_pcap_next() */
    uint32_t caplen;       /* bytes captured */
    uint32_t wire_len;     /* bytes on the wire */
};

/* Open a file by path. TP_E_IO when it cannot be opened, TP_E_PARSE when it
 * is not a capture libpcap can read (the message quotes libpcap's). */
TP_MUST_CHECK tp_status tp_pcap_open_path(const char *path, struct tp_pcap **out, tp_error *err);

/* Same from an open FILE, which the capture owns from then on (closed by
 * tp_pcap_destroy, or here on failure). */
TP_MUST_CHECK tp_status tp_pcap_open_file(FILE *fp, struct tp_pcap **out, tp_error *err);

/* The link type (a DLT_* value, compare with enum tp_linktype). */
int tp_pcap_linktype(const struct tp_pcap *pc);
/* Snapshot length the file declares. */
int tp_pcap_snaplen(const struct tp_pcap *pc);

/* Next packet: TP_OK with *end false and *pkt filled, or TP_OK with *end
 * true at the end of the file. A truncated or corrupt file fails with
 * TP_E_PARSE; the packets before it remain valid. */
TP_MUST_CHECK tp_status tp_pcap_next(struct tp_pcap *pc, struct tp_raw_packet *pkt, bool *end,
                                     tp_error *err);

void tp_pcap_destroy(struct tp_pcap *pc);

#endif
