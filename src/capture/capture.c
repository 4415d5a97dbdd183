/* capture.c: live capture of the probe's own connection (see capture.h).
 * With pcapfile.c, the only file that includes pcap.h. */
#include "capture/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture/packet.h"
#include "util/clock.h"
#include "util/banned.h"

/* Whole packets, so that a -w file can be read back by --read. */
#define LIVE_SNAPLEN 65535
/* Packets described in the report; the rest are counted only. */
#define LIVE_MAX_PACKETS 4096u
#define FILTER_MAX 2048

struct tp_live {
    pcap_t *p;
    pcap_dumper_t *dump;
    int linktype;
    bool nano;
    /* The 5-tuple, once tightened. */
    bool tight;
    int family;
    uint8_t local[16], remote[16];
    uint16_t lport, rport;
};

uint64_t tp_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const void *addr_bytes(const struct sockaddr *sa, int *family, size_t *n)
{
    *family = sa->sa_family;
    if (sa->sa_family == AF_INET) {
        *n = 4;
        return &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    }
    if (sa->sa_family == AF_INET6) {
        *n = 16;
        return &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    }
    *n = 0;
    return NULL;
}

static uint16_t addr_port(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
    return 0;
}

static bool addr_text(const struct sockaddr *sa, char *out, size_t size)
{
    int family;
    size_t n;
    const void *bytes = addr_bytes(sa, &family, &n);
    return bytes != NULL && inet_ntop(family, bytes, out, (socklen_t)size) != NULL;
}

tp_status tp_route_interface(const struct sockaddr *addr, socklen_t len, char *out, size_t size,
                             tp_error *err)
{
    /* A connected UDP socket sends nothing, but makes the kernel pick the
     * source address of the route; the interface holding it is ours. */
    struct sockaddr_storage local;
    socklen_t local_len = sizeof local;
    struct ifaddrs *ifs = NULL;
    tp_status status = TP_OK;
    int fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, addr, len) != 0 ||
        getsockname(fd, (struct sockaddr *)&local, &local_len) != 0) {
        status = tp_fail(err, TP_E_IO, "no route to the target to pick an interface from: %s",
                         strerror(errno));
        goto out;
    }
    if (getifaddrs(&ifs) != 0) {
        status = tp_fail(err, TP_E_IO, "cannot list interfaces: %s", strerror(errno));
        goto out;
    }
    int lf, f;
    size_t ln, n;
    const void *want = addr_bytes((const struct sockaddr *)&local, &lf, &ln);
    for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL)
            continue;
        const void *have = addr_bytes(i->ifa_addr, &f, &n);
        if (have != NULL && want != NULL && f == lf && n == ln && memcmp(have, want, n) == 0) {
            snprintf(out, size, "%s", i->ifa_name);
            goto out;
        }
    }
    status = tp_fail(err, TP_E_IO, "no interface holds the route's source address");
out:
    if (ifs != NULL)
        freeifaddrs(ifs);
    if (fd >= 0)
        close(fd);
    return status;
}

/* Give up root for --user, or (not root, e.g. CAP_NET_RAW as a file
 * capability) every capability; the capture socket stays open. */
static tp_status drop_privileges(const struct passwd *pw, tp_error *err)
{
    if (geteuid() == 0 || getuid() == 0) {
        gid_t gid = pw->pw_gid;
        if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
            setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
            return tp_fail(err, TP_E_INTERNAL, "cannot drop privileges to '%s': %s",
                           pw->pw_name, strerror(errno));
        if (pw->pw_uid != 0 && setuid(0) == 0)
            return tp_fail(err, TP_E_INTERNAL, "privileges were not dropped (setuid(0) worked)");
        return TP_OK;
    }
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0)
        return tp_fail(err, TP_E_INTERNAL, "cannot drop capabilities: %s", strerror(errno));
    return TP_OK;
}

static tp_status lookup_user(const char *name, struct passwd *pw, char *buf, size_t size,
                             tp_error *err)
{
    struct passwd *found = NULL;
    int rc = getpwnam_r(name, pw, buf, size, &found);
    if (rc != 0 || found == NULL)
        return tp_fail(err, TP_E_USAGE, "--user: no such user '%s'", name);
    return TP_OK;
}

static tp_status set_filter(struct tp_live *lc, const char *text, struct tp_capture_result *res,
                            tp_error *err)
{
    struct bpf_program prog;
    if (pcap_compile(lc->p, &prog, text, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return tp_fail(err, TP_E_INTERNAL, "capture filter '%s': %s", text, pcap_geterr(lc->p));
    int rc = pcap_setfilter(lc->p, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        return tp_fail(err, TP_E_INTERNAL, "cannot set capture filter: %s", pcap_geterr(lc->p));
    free(res->filter);
    res->filter = strdup(text);
    return res->filter != NULL ? TP_OK : TP_E_NOMEM;
}

static tp_status remote_filter(const struct tp_live_remote *remotes, size_t n, uint16_t port,
                               char *out, size_t size, tp_error *err)
{
    size_t used = (size_t)snprintf(out, size, "tcp port %u and (", (unsigned)port);
    for (size_t i = 0; i < n; i++) {
        char text[INET6_ADDRSTRLEN];
        if (!addr_text(remotes[i].addr, text, sizeof text))
            continue;
        used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%shost %s",
                                 i > 0 ? " or " : "", text);
    }
    used += (size_t)snprintf(out + used, used < size ? size - used : 0, ")");
    if (used >= size || n == 0)
        return tp_fail(err, TP_E_INTERNAL, "capture filter too long");
    return TP_OK;
}

static tp_status set_note(struct tp_capture_result *res, const char *fmt, ...) TP_PRINTF(2, 3);
static tp_status set_note(struct tp_capture_result *res, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(res->note);
    res->note = strdup(buf);
    return res->note != NULL ? TP_OK : TP_E_NOMEM;
}

/* Steps 1 (create, options, activate). *fallback: no privilege. */
static tp_status activate(struct tp_live *lc, const char *ifname, struct tp_capture_result *res,
                          bool *fallback, tp_error *err)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    lc->p = pcap_create(ifname, ebuf);
    if (lc->p == NULL)
        return tp_fail(err, TP_E_IO, "cannot capture on %s: %s", ifname, ebuf);
    if (pcap_set_snaplen(lc->p, LIVE_SNAPLEN) != 0 || pcap_set_immediate_mode(lc->p, 1) != 0 ||
        pcap_set_timeout(lc->p, 50) != 0)
        return tp_fail(err, TP_E_INTERNAL, "cannot configure the capture on %s", ifname);
    bool want_nano = pcap_set_tstamp_precision(lc->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
    int rc = pcap_activate(lc->p);
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED ||
        (rc == PCAP_ERROR && (errno == EPERM || errno == EACCES))) {
        *fallback = true;
        return set_note(res,
                        "no permission to capture on %s (needs root or CAP_NET_RAW): %s; "
                        "timings are from the TLS transport instead",
                        ifname, pcap_geterr(lc->p));
    }
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
        return tp_fail(err, TP_E_USAGE, "-i: no such interface '%s'", ifname);
    if (rc < 0)
        return tp_fail(err, TP_E_IO, "cannot capture on %s: %s", ifname, pcap_geterr(lc->p));
    if (rc > 0) /* a warning: the capture works, say what it said */
        TP_TRY(set_note(res, "capture on %s: %s", ifname, pcap_statustostr(rc)));
    lc->nano = want_nano && pcap_get_tstamp_precision(lc->p) == PCAP_TSTAMP_PRECISION_NANO;
    lc->linktype = pcap_datalink(lc->p);
    return TP_OK;
}

tp_status tp_live_open(const struct tp_live_opts *opts, const struct tp_live_remote *remotes,
                       size_t n_remotes, uint16_t port, struct tp_live **out,
                       struct tp_capture_result *res, tp_error *err)
{
    *out = NULL;
    char ifname[IF_NAMESIZE + 1];
    char filter[FILTER_MAX];
    char pwbuf[4096];
    struct passwd pw;
    bool fallback = false;
    tp_status status;
    TP_TRY(lookup_user(opts->user != NULL ? opts->user : "nobody", &pw, pwbuf, sizeof pwbuf,
                       err));
    if (opts->interface != NULL) {
        if (strlen(opts->interface) > IF_NAMESIZE || if_nametoindex(opts->interface) == 0)
            return tp_fail(err, TP_E_USAGE, "-i: no such interface '%s'", opts->interface);
        snprintf(ifname, sizeof ifname, "%s", opts->interface);
    } else if (n_remotes == 0) {
        return tp_fail(err, TP_E_INTERNAL, "capture: no address");
    } else {
        TP_TRY(tp_route_interface(remotes[0].addr, remotes[0].len, ifname, sizeof ifname, err));
    }
    if ((res->interface = strdup(ifname)) == NULL)
        return TP_E_NOMEM;
    struct tp_live *lc = calloc(1, sizeof *lc);
    if (lc == NULL)
        return TP_E_NOMEM;
    if ((status = activate(lc, ifname, res, &fallback, err)) != TP_OK || fallback)
        goto out;
    if ((status = remote_filter(remotes, n_remotes, port, filter, sizeof filter, err)) != TP_OK ||
        (status = set_filter(lc, filter, res, err)) != TP_OK)
        goto out;
    if (opts->write_file != NULL) {
        lc->dump = pcap_dump_open(lc->p, opts->write_file);
        if (lc->dump == NULL) {
            status = tp_fail(err, TP_E_IO, "-w %s: %s", opts->write_file, pcap_geterr(lc->p));
            goto out;
        }
        if ((res->saved_to = strdup(opts->write_file)) == NULL) {
            status = TP_E_NOMEM;
            goto out;
        }
    }
    status = drop_privileges(&pw, err);
out:
    if (status != TP_OK || fallback) {
        tp_live_destroy(lc);
        /* Without a capture nothing privileged is left to protect, but the
         * rule is the same whatever happened: no root past this point. */
        if (status == TP_OK)
            status = drop_privileges(&pw, err);
        return status;
    }
    *out = lc;
    return TP_OK;
}

tp_status tp_live_tighten(struct tp_live *lc, int fd, struct tp_capture_result *res,
                          tp_error *err)
{
    struct sockaddr_storage l, r;
    socklen_t ll = sizeof l, rl = sizeof r;
    char lt[INET6_ADDRSTRLEN], rt[INET6_ADDRSTRLEN], filter[FILTER_MAX];
    if (getsockname(fd, (struct sockaddr *)&l, &ll) != 0 ||
        getpeername(fd, (struct sockaddr *)&r, &rl) != 0 ||
        !addr_text((struct sockaddr *)&l, lt, sizeof lt) ||
        !addr_text((struct sockaddr *)&r, rt, sizeof rt))
        return tp_fail(err, TP_E_IO, "capture: cannot name the connection: %s", strerror(errno));
    size_t n = 0;
    const void *local = addr_bytes((struct sockaddr *)&l, &lc->family, &n);
    memcpy(lc->local, local, n);
    const void *remote = addr_bytes((struct sockaddr *)&r, &lc->family, &n);
    memcpy(lc->remote, remote, n);
    lc->lport = addr_port((struct sockaddr *)&l);
    lc->rport = addr_port((struct sockaddr *)&r);
    lc->tight = true;
    snprintf(filter, sizeof filter,
             "tcp and ((src host %s and src port %u and dst host %s and dst port %u) or "
             "(src host %s and src port %u and dst host %s and dst port %u))",
             lt, (unsigned)lc->lport, rt, (unsigned)lc->rport, rt, (unsigned)lc->rport, lt,
             (unsigned)lc->lport);
    return set_filter(lc, filter, res, err);
}

/* Per direction: the initial sequence number and the highest byte sent. */
struct seq_track {
    bool have;
    uint32_t isn;
    uint32_t next;  /* relative: one past the highest byte seen */
    bool fin;
};

static bool seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

static tp_status add_packet(struct tp_live *lc, const struct tp_segment *seg, uint64_t t0_wall_ns,
                            struct seq_track track[2], uint64_t *syn_ns,
                            struct tp_capture_result *res)
{
    size_t alen = lc->family == AF_INET ? 4 : 16;
    bool c2s = seg->family == lc->family && seg->sport == lc->lport &&
               seg->dport == lc->rport && memcmp(seg->src, lc->local, alen) == 0 &&
               memcmp(seg->dst, lc->remote, alen) == 0;
    bool s2c = seg->family == lc->family && seg->sport == lc->rport &&
               seg->dport == lc->lport && memcmp(seg->src, lc->remote, alen) == 0 &&
               memcmp(seg->dst, lc->local, alen) == 0;
    if (!c2s && !s2c)
        return TP_OK; /* buffered before the filter was tightened: not ours */
    enum tp_dir dir = c2s ? TP_DIR_C2S : TP_DIR_S2C;
    struct seq_track *tr = &track[dir];
    if (!tr->have) {
        tr->have = true;
        tr->isn = seg->seq;
        tr->next = 0;
    }
    uint32_t rel = seg->seq - tr->isn;
    uint32_t span = seg->wire_payload_len + ((seg->flags & (TP_TCP_SYN | TP_TCP_FIN)) ? 1u : 0u);
    bool retrans = span > 0 && !seq_after(rel + span, tr->next) &&
                   !(rel == 0 && tr->next == 0);
    if (span > 0 && seq_after(rel + span, tr->next))
        tr->next = rel + span;
    if (retrans)
        res->retransmissions++;
    if (seg->flags & TP_TCP_FIN)
        tr->fin = true;
    if ((seg->flags & (TP_TCP_SYN | TP_TCP_ACK)) == TP_TCP_SYN && *syn_ns == 0)
        *syn_ns = seg->ts_ns;
    if ((seg->flags & (TP_TCP_SYN | TP_TCP_ACK)) == (TP_TCP_SYN | TP_TCP_ACK) && *syn_ns != 0 &&
        res->syn_rtt_ms < 0)
        res->syn_rtt_ms = (double)(seg->ts_ns - *syn_ns) / 1e6;
    res->bytes[dir] += seg->wire_payload_len;
    res->wire_bytes[dir] += seg->wire_len;
    if (res->n_packets >= LIVE_MAX_PACKETS) {
        res->more_packets = true;
        return TP_OK;
    }
    if (res->n_packets % 64 == 0) {
        struct tp_cap_packet *grown =
            realloc(res->packets, (res->n_packets + 64) * sizeof *res->packets);
        if (grown == NULL)
            return TP_E_NOMEM;
        res->packets = grown;
    }
    struct tp_cap_packet *p = &res->packets[res->n_packets++];
    p->t_ms = seg->ts_ns >= t0_wall_ns ? (double)(seg->ts_ns - t0_wall_ns) / 1e6
                                       : -(double)(t0_wall_ns - seg->ts_ns) / 1e6;
    p->dir = dir;
    p->flags = seg->flags;
    p->seq = rel;
    p->len = seg->wire_payload_len;
    p->retransmission = retrans;
    return TP_OK;
}

tp_status tp_live_collect(struct tp_live *lc, uint64_t t0_wall_ns, uint32_t wait_ms,
                          struct tp_capture_result *res, tp_error *err)
{
    struct seq_track track[2] = {{0}, {0}};
    uint64_t syn_ns = 0;
    if (pcap_setnonblock(lc->p, 1, NULL) != 0)
        return tp_fail(err, TP_E_INTERNAL, "capture: %s", pcap_geterr(lc->p));
    int pfd = pcap_get_selectable_fd(lc->p);
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(lc->p, &h, &data);
        if (rc == 0) {
            /* Both FINs seen: only the last ACK can follow, at once. */
            bool closed = track[0].fin && track[1].fin;
            struct pollfd p = {.fd = pfd, .events = POLLIN};
            if (pfd < 0 || poll(&p, 1, closed ? 2 : (int)wait_ms) <= 0)
                break;
            continue;
        }
        if (rc < 0)
            return tp_fail(err, TP_E_IO, "capture: %s", pcap_geterr(lc->p));
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
                      (uint64_t)h->ts.tv_usec * (lc->nano ? 1u : 1000u);
        struct tp_segment seg;
        enum tp_skip skip;
        if (tp_decode_packet(lc->linktype, data, h->caplen, h->len, ts, &seg, &skip, NULL) !=
            TP_OK)
            continue;
        size_t before = res->n_packets;
        uint64_t seen = res->wire_bytes[0] + res->wire_bytes[1];
        TP_TRY(add_packet(lc, &seg, t0_wall_ns, track, &syn_ns, res));
        bool ours = res->n_packets != before || res->wire_bytes[0] + res->wire_bytes[1] != seen;
        if (ours && lc->dump != NULL)
            pcap_dump((u_char *)lc->dump, h, data);
    }
    res->used = true;
    if (lc->dump != NULL && pcap_dump_flush(lc->dump) != 0)
        return tp_fail(err, TP_E_IO, "-w: cannot write the capture file");
    return TP_OK;
}

void tp_live_destroy(struct tp_live *lc)
{
    if (lc == NULL)
        return;
    if (lc->dump != NULL)
        pcap_dump_close(lc->dump);
    if (lc->p != NULL)
        pcap_close(lc->p);
    free(lc);
}
