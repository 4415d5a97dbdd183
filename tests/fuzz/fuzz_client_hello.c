/* Fuzz target: ClientHello and SSL 2.0 CLIENT-HELLO parsing
 * (src/wire/clienthello.c). Input: a ClientHello body. */
#include "fuzz.h"

#include "wire/clienthello.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_client_hello ch;
    tp_ssl2_client_hello ch2;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    if (tp_ch_parse(data, size, &ch, &err) == TP_OK && ch.suites.n > 0)
        (void)tp_u16_list_at(&ch.suites, ch.suites.n - 1);
    tp_error_clear(&err);
    if (tp_ssl2_ch_parse(data, size, &ch2, &err) == TP_OK)
        (void)tp_ssl2_kind_at(ch2.kinds, ch2.n_kinds - 1);
    return 0;
}
