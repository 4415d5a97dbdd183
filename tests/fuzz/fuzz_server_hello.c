/* Fuzz target: ServerHello / HelloRetryRequest parsing
 * (src/wire/serverhello.c). Input: a ServerHello body. */
#include "fuzz.h"

#include "wire/serverhello.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_server_hello sh;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_status status = tp_sh_parse(data, size, &sh, &err);
    return status == TP_OK ? 0 : 0;
}
