/* fuzz_serve_hello: bytes -> --serve's reading of a client's first flight
 * (src/serve/hello.c: records, the reassembled ClientHello, the offer and
 * its JA4), as the whole buffer and at every 7th prefix, as the listener
 * calls it while bytes arrive. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "serve/hello.h"

#include "util/banned.h"

static void classify(const uint8_t *data, size_t size)
{
    struct tp_audit_hs h;
    struct tp_first first;
    memset(&h, 0, sizeof h);
    if (tp_first_classify(data, size, &h, &first) == TP_OK &&
        first.kind == TP_FIRST_CLIENT_HELLO && !h.ssl2_hello && h.ja4[0] == '\0')
        __builtin_trap(); /* a parsed TLS hello always has its JA4 */
    tp_audit_hs_finish(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TP_FUZZ_MAX_INPUT || size > TP_SERVE_MAX_HELLO)
        return 0;
    for (size_t cut = 0; cut < size; cut += 7)
        classify(data, cut);
    classify(data, size);
    return 0;
}
