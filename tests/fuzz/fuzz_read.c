/* fuzz_read: bytes -> --read's whole path: libpcap (pcap or pcapng) ->
 * packets -> TCP reassembly -> TLS records and handshake messages ->
 * hellos, certificates, JA4, findings, timelines -> the streaming renderer
 * (JSON or text by the input's first byte, written to /dev/null). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/audit.h"
#include "cli/config.h"
#include "fuzz.h"
#include "report/model.h"
#include "report/timing_render.h"

#include "util/banned.h"

static void audit_bytes(FILE *fp, FILE *sink_out, bool json)
{
    struct tp_report report;
    struct tp_config cfg;
    struct audit_stream *stream = NULL;
    tp_report_init(&report);
    memset(&cfg, 0, sizeof cfg);
    cfg.fail_on = TP_SEV_HIGH;
    if (audit_stream_create(sink_out, &report, &cfg, json, false, &stream) != TP_OK) {
        fclose(fp);
        tp_report_finish(&report);
        return;
    }
    struct tp_audit_hooks hooks = {
        .sink = {audit_stream_open, audit_stream_handshake, stream},
    };
    /* Every status is a valid outcome; crashes, leaks and UB are not. */
    tp_status status = tp_audit_stream(fp, "fuzz", &hooks, &report, NULL);
    if (audit_stream_opened(stream))
        status = audit_stream_finish(stream);
    (void)status;
    audit_stream_destroy(stream);
    tp_report_finish(&report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    uint8_t *copy = malloc(size);
    FILE *sink_out = fopen("/dev/null", "w");
    if (copy != NULL && sink_out != NULL) {
        memcpy(copy, data, size);
        FILE *fp = fmemopen(copy, size, "rb");
        if (fp != NULL)
            audit_bytes(fp, sink_out, (data[0] & 1) == 0);
    }
    if (sink_out != NULL)
        fclose(sink_out);
    free(copy);
    return 0;
}
