/* Fuzz target: one datagram as received over --dtls (src/wire/dtls.c):
 * every record, every plaintext handshake fragment, HelloVerifyRequests,
 * a ServerHello's fragments reassembled; and the same bytes as a bare
 * HelloVerifyRequest body. */
#include "fuzz.h"

#include "wire/dtls.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_dtls_datagram d;
    tp_dtls_hvr hvr;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    if (tp_dtls_datagram_parse(data, size, &d, &err) == TP_OK && d.has_hvr &&
        d.hvr.cookie_len > 0 && d.hvr.cookie == NULL)
        __builtin_trap(); /* a cookie of some length points somewhere */
    /* The same datagram's ServerHello fragments, reassembled. */
    static tp_dtls_reasm reasm;
    bool whole = false;
    tp_dtls_reasm_init(&reasm, 2);
    tp_error_clear(&err);
    if (tp_dtls_reasm_feed_datagram(&reasm, data, size, &whole, &err) == TP_OK && whole &&
        reasm.length > TP_DTLS_REASM_MAX)
        __builtin_trap();
    tp_error_clear(&err);
    tp_status status = tp_dtls_hvr_parse(data, size, &hvr, &err);
    return status == TP_OK ? 0 : 0;
}
