/* fuzz_starttls_serve: net_starttls_serve_answer() (src/net/starttls_serve.c)
 * over the client side of a --serve --starttls dialogue. Byte 0 picks the
 * dialect; the rest is what the client sends, walked command by command as
 * the socket loop walks it (src/serve/starttls.c). */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "net/starttls_serve.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_FUZZ_MAX_INPUT)
        return 0;
    enum tp_starttls proto = (enum tp_starttls)(1 + data[0] % (TP_STARTTLS_COUNT - 1));
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    for (unsigned commands = 0; commands < TP_STARTTLS_SERVE_MAX_COMMANDS; commands++) {
        struct tp_starttls_serve_answer a;
        enum tp_starttls_serve_action act = net_starttls_serve_answer(proto, p, n, &a);
        if (memchr(a.msg, '\0', sizeof a.msg) == NULL ||
            memchr(a.command, '\0', sizeof a.command) == NULL || a.reply_len > sizeof a.reply)
            __builtin_trap(); /* an unterminated message, or a reply past its buffer */
        if (act != TP_SS_REPLY && act != TP_SS_REFUSE)
            break;
        if (a.used == 0 || a.used > n)
            __builtin_trap(); /* no progress, or a command longer than the bytes */
        p += a.used;
        n -= a.used;
    }
    return 0;
}
