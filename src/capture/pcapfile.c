/* pcapfile.c: the only file besides capture.c that includes pcap.h.
 * pcap_fopen_offline reads both pcap and pcapng (libpcap's sf-pcap.c and
 * sf-pcapng.c); asking for nanosecond precision makes libpcap scale
 * microsecond files up, so timestamps are always ns. */
#include "capture/pcapfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "capture/packet.h"

#include "util/banned.h"

_Static_assert(TP_LINK_NULL == DLT_NULL, "DLT_NULL");
_Static_assert(TP_LINK_EN10MB == DLT_EN10MB, "DLT_EN10MB");
_Static_assert(TP_LINK_RAW == DLT_RAW, "DLT_RAW");
_Static_assert(TP_LINK_LOOP == DLT_LOOP, "DLT_LOOP");
_Static_assert(TP_LINK_LINUX_SLL == DLT_LINUX_SLL, "DLT_LINUX_SLL");
_Static_assert(TP_LINK_LINUX_SLL2 == DLT_LINUX_SLL2, "DLT_LINUX_SLL2");
_Static_assert(TP_LINK_IPV4 == DLT_IPV4, "DLT_IPV4");
_Static_assert(TP_LINK_IPV6 == DLT_IPV6, "DLT_IPV6");

struct tp_pcap {
    pcap_t *handle;
};

tp_status tp_pcap_open_file(FILE *fp, struct tp_pcap **out, tp_error *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct tp_pcap *pc = NULL;
    tp_status st = TP_OK;
    *out = NULL;
    if (fp == NULL)
        return tp_fail(err, TP_E_INTERNAL, "capture: no file");
    pc = calloc(1, sizeof *pc);
    if (pc == NULL) {
        st = tp_fail(err, TP_E_NOMEM, "capture: out of memory");
        goto fail;
    }
    pc->handle = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pc->handle == NULL) {
        st = tp_fail(err, TP_E_PARSE, "not a readable pcap or pcapng file: %s", errbuf);
        goto fail;
    }
    *out = pc;
    return TP_OK;
fail:
    free(pc);
    fclose(fp);
    return st;
}

tp_status tp_pcap_open_path(const char *path, struct tp_pcap **out, tp_error *err)
{
    FILE *fp = fopen(path, "rb");
    *out = NULL;
    if (fp == NULL)
        return tp_fail(err, TP_E_IO, "%s: %s", path, strerror(errno));
    tp_status st = tp_pcap_open_file(fp, out, err);
    if (st == TP_E_PARSE && err != NULL) {
        tp_error detail = *err;
        tp_error_clear(err);
        st = tp_fail(err, TP_E_PARSE, "%s: %s", path, detail.msg);
    }
    return st;
}

int tp_pcap_linktype(const struct tp_pcap *pc)
{
    return pcap_datalink(pc->handle);
}

int tp_pcap_snaplen(const struct tp_pcap *pc)
{
    return pcap_snapshot(pc->handle);
}

tp_status tp_pcap_next(struct tp_pcap *pc, struct tp_raw_packet *pkt, bool *end, tp_error *err)
{
    struct pcap_pkthdr *hdr;
    const u_char *data;
    *end = false;
    int rc = pcap_next_ex(pc->handle, &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) {
        *end = true;
        return TP_OK;
    }
    if (rc != 1) /* a short or corrupt record: libpcap says which */
        return tp_fail(err, TP_E_PARSE, "corrupt capture: %s", pcap_geterr(pc->handle));
    if (hdr->ts.tv_sec < 0 || hdr->ts.tv_usec < 0)
        return tp_fail(err, TP_E_PARSE, "corrupt capture: negative timestamp");
    pkt->ts_ns = (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
    pkt->data = data;
    pkt->caplen = hdr->caplen;
    pkt->wire_len = hdr->len;
    return TP_OK;
}

void tp_pcap_destroy(struct tp_pcap *pc)
{
    if (pc == NULL)
        return;
    if (pc->handle != NULL)
        pcap_close(pc->handle); /* also closes the FILE */
    free(pc);
}
