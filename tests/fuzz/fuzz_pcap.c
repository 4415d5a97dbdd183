/* fuzz_pcap: bytes -> libpcap (pcap or pcapng) -> packet decoding -> TCP
 * reassembly, with small limits so that eviction and buffer caps run too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"
#include "capture/pcapfile.h"
#include "capture/tcpstream.h"
#include "fuzz.h"

#include "util/banned.h"

static bool on_data(void *ctx, struct tp_tcp_stream *st, enum tp_tcp_side side,
                    const uint8_t *bytes, size_t len, uint64_t ts_ns)
{
    uint64_t *sum = ctx;
    (void)st, (void)side, (void)ts_ns;
    for (size_t i = 0; i < len; i++) /* touch every byte handed out */
        *sum += bytes[i];
    return len != 7; /* sometimes stop a stream */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    uint8_t *copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    FILE *fp = fmemopen(copy, size, "rb");
    struct tp_pcap *pc = NULL;
    struct tp_tcp_table *t = NULL;
    uint64_t sum = 0;
    struct tp_tcp_callbacks cb = {on_data, NULL, &sum};
    struct tp_tcp_limits lim = {.max_streams = 4, .max_buffered = 4096, .idle_ns = 1000000000};
    if (fp == NULL || tp_pcap_open_file(fp, &pc, NULL) != TP_OK)
        goto done; /* the FILE is closed by tp_pcap_open_file on failure */
    if (tp_tcp_create(&lim, &cb, &t, NULL) != TP_OK)
        goto done;
    for (;;) {
        struct tp_raw_packet pkt;
        struct tp_segment seg;
        enum tp_skip skip;
        bool end;
        if (tp_pcap_next(pc, &pkt, &end, NULL) != TP_OK || end)
            break;
        if (tp_decode_packet(tp_pcap_linktype(pc), pkt.data, pkt.caplen, pkt.wire_len, pkt.ts_ns,
                             &seg, &skip, NULL) != TP_OK)
            continue;
        if (tp_tcp_add(t, &seg, NULL) != TP_OK)
            break;
    }
done:
    tp_tcp_destroy(t);
    tp_pcap_destroy(pc);
    free(copy);
    return 0;
}
