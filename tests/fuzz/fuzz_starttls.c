/* fuzz_starttls: net_starttls_judge() (src/net/starttls.c) over the whole
 * server side of a STARTTLS dialogue. Byte 0 picks the dialect; the rest
 * is what the server sends, walked step by step as the socket loop walks
 * it: each complete reply hands what follows it to the next step. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/starttls.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    enum tp_starttls proto = (enum tp_starttls)(1 + data[0] % (TP_STARTTLS_COUNT - 1));
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    size_t steps = net_starttls_steps(proto);
    for (size_t step = 0; step < steps; step++) {
        struct tp_starttls_reply r;
        enum tp_starttls_verdict v = net_starttls_judge(proto, step, p, n, &r);
        if (v != TP_STARTTLS_DONE)
            break;
        if (r.used > n || memchr(r.msg, '\0', sizeof r.msg) == NULL)
            __builtin_trap(); /* a reply longer than the bytes, or an unterminated message */
        p += r.used;
        n -= r.used;
    }
    return 0;
}
