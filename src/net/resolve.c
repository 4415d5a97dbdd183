/* resolve.c: name resolution bounded by the run's deadline. getaddrinfo()
 * can block for the resolver's full retry schedule (30 s and more), so it runs
 * through glibc's getaddrinfo_a() and is cancelled at the deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/banned.h"

#define MAX_ADDRESSES 32

bool net_is_ip_literal(const char *host)
{
    struct in6_addr a6;
    struct in_addr a4;
    char copy[TP_ADDR_TEXT_MAX];
    /* Drop a zone id ("fe80::1%eth0") before parsing. */
    size_t n = strcspn(host, "%");
    if (n >= sizeof copy)
        return false;
    memcpy(copy, host, n);
    copy[n] = '\0';
    return inet_pton(AF_INET, copy, &a4) == 1 || inet_pton(AF_INET6, copy, &a6) == 1;
}

void net_addrlist_finish(struct tp_addrlist *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

static bool already_listed(const struct tp_addrlist *list, const struct addrinfo *ai)
{
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].len == ai->ai_addrlen &&
            memcmp(&list->items[i].ss, ai->ai_addr, ai->ai_addrlen) == 0)
            return true;
    return false;
}

static tp_status collect(const struct addrinfo *res, struct tp_addrlist *out, tp_error *err)
{
    out->items = calloc(MAX_ADDRESSES, sizeof *out->items);
    if (out->items == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (const struct addrinfo *ai = res; ai != NULL && out->count < MAX_ADDRESSES;
         ai = ai->ai_next) {
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
            ai->ai_addrlen > sizeof(struct sockaddr_storage) || already_listed(out, ai))
            continue;
        struct tp_addr *a = &out->items[out->count];
        memcpy(&a->ss, ai->ai_addr, ai->ai_addrlen);
        a->len = ai->ai_addrlen;
        a->family = ai->ai_family;
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a->text, sizeof a->text, NULL, 0,
                        NI_NUMERICHOST) != 0)
            continue;
        out->count++;
    }
    return TP_OK;
}

static tp_status resolve_failure(int rc, const char *host, tp_error *err)
{
    if (rc == EAI_SYSTEM)
        return tp_fail(err, TP_E_RESOLVE, "cannot resolve '%s': %s", host, strerror(errno));
    return tp_fail(err, TP_E_RESOLVE, "cannot resolve '%s': %s", host, gai_strerror(rc));
}

/* The request the resolver thread works on. It lives on the heap: if the
 * deadline passes and gai_cancel() cannot stop the lookup, the thread still
 * writes into it, so it is deliberately left allocated (one small block per
 * abandoned lookup) rather than freed under the thread's feet. */
struct lookup {
    struct gaicb cb;
    struct addrinfo hints;
    char service[8];
    char host[];
};

static struct lookup *lookup_create(const char *host, uint16_t port, enum tp_family family)
{
    size_t host_len = strlen(host);
    struct lookup *lk = calloc(1, sizeof *lk + host_len + 1);
    if (lk == NULL)
        return NULL;
    memcpy(lk->host, host, host_len + 1);
    snprintf(lk->service, sizeof lk->service, "%u", port);
    lk->hints.ai_family = family == TP_FAMILY_V4   ? AF_INET
                          : family == TP_FAMILY_V6 ? AF_INET6
                                                   : AF_UNSPEC;
    lk->hints.ai_socktype = SOCK_STREAM;
    lk->hints.ai_protocol = IPPROTO_TCP;
    /* A literal needs no lookup; AI_ADDRCONFIG would also refuse ::1 on a host
     * whose only IPv6 address is loopback. */
    lk->hints.ai_flags = net_is_ip_literal(host) ? AI_NUMERICHOST : AI_ADDRCONFIG;
    lk->cb.ar_name = lk->host;
    lk->cb.ar_service = lk->service;
    lk->cb.ar_request = &lk->hints;
    return lk;
}

/* Wait for the lookup until the deadline. TP_E_TIMEOUT if it is still running
 * then (and could not be cancelled: *abandoned tells the caller not to free). */
static tp_status lookup_wait(struct lookup *lk, tp_deadline deadline, bool *abandoned,
                             tp_error *err)
{
    struct gaicb *list[1] = {&lk->cb};
    while (gai_error(&lk->cb) == EAI_INPROGRESS) {
        uint32_t left = tp_deadline_left_ms(deadline);
        if (left == 0) {
            if (gai_cancel(&lk->cb) != EAI_ALLDONE)
                *abandoned = gai_error(&lk->cb) == EAI_INPROGRESS;
            if (gai_error(&lk->cb) == EAI_INPROGRESS || gai_error(&lk->cb) == EAI_CANCELED)
                return tp_fail(err, TP_E_TIMEOUT, "timed out resolving '%s'", lk->host);
            break;
        }
        struct timespec wait = {.tv_sec = left / 1000, .tv_nsec = (long)(left % 1000) * 1000000L};
        (void)gai_suspend((const struct gaicb *const *)list, 1, &wait);
    }
    int rc = gai_error(&lk->cb);
    if (rc != 0)
        return resolve_failure(rc, lk->host, err);
    return TP_OK;
}

tp_status net_resolve(const char *host, uint16_t port, enum tp_family family,
                      tp_deadline deadline, struct tp_addrlist *out, tp_error *err)
{
    memset(out, 0, sizeof *out);
    struct lookup *lk = lookup_create(host, port, family);
    if (lk == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    struct gaicb *list[1] = {&lk->cb};
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        free(lk);
        return resolve_failure(rc, host, err);
    }
    bool abandoned = false;
    tp_status status = lookup_wait(lk, deadline, &abandoned, err);
    if (status == TP_OK)
        status = collect(lk->cb.ar_result, out, err);
    if (!abandoned) {
        if (lk->cb.ar_result != NULL)
            freeaddrinfo(lk->cb.ar_result);
        free(lk);
    }
    if (status == TP_OK && out->count == 0)
        status = tp_fail(err, TP_E_RESOLVE, "'%s' has no %s address", host,
                         family == TP_FAMILY_V4   ? "IPv4"
                         : family == TP_FAMILY_V6 ? "IPv6"
                                                  : "usable");
    if (status != TP_OK)
        net_addrlist_finish(out);
    return status;
}
