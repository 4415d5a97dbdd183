/* Fuzz target: TLS and SSL 2.0 record headers and handshake reassembly
 * (src/wire/record.c). */
#include "fuzz.h"

#include "wire/record.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_hs_reasm r;
    tp_record rec;
    tp_rec_state st = TP_REC_COMPLETE;
    size_t pos = 0, used = 0;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_hs_reasm_init(&r, 4096);
    while (st == TP_REC_COMPLETE && pos < size &&
           tp_record_next(data + pos, size - pos, &rec, &st, &used, &err) == TP_OK &&
           st == TP_REC_COMPLETE && tp_hs_reasm_feed(&r, rec.fragment, rec.length, &err) == TP_OK) {
        pos += used;
        tp_hs_msg m;
        for (bool have = true; have && tp_hs_reasm_next(&r, &m, &have, &err) == TP_OK;)
            ;
    }
    tp_hs_reasm_finish(&r);
    tp_ssl2_record r2;
    tp_rec_state st2;
    tp_status status = tp_ssl2_record_next(data, size, &r2, &st2, &used, &err);
    return status == TP_OK ? 0 : 0;
}
