/* fuzz_read: bytes -> --read's whole path: libpcap (pcap or pcapng) ->
 * packets -> TCP reassembly -> TLS records and handshake messages ->
 * hellos, certificates, JA4, findings, timelines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/audit.h"
#include "fuzz.h"
#include "report/model.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    uint8_t *copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    FILE *fp = fmemopen(copy, size, "rb");
    struct tp_report report;
    tp_report_init(&report);
    if (fp != NULL) {
        tp_status status = tp_audit_stream(fp, "fuzz", NULL, &report, NULL);
        (void)status; /* every status is a valid outcome; crashes and leaks are not */
    }
    tp_report_finish(&report);
    free(copy);
    return 0;
}
