/* fleet.c: --targets (fleet.h).
 *
 * A pool of --jobs workers. Each takes the next line of the file (under
 * the reader's lock: a line is read only when a worker is free to run it),
 * runs it as a single HOST would be run, renders the report into memory,
 * and writes it out under the output lock with one flush, so that
 * documents never interleave and a killed run keeps every document it
 * finished. The runs share nothing but the read-only base config: each has
 * its own config copy, report, deadline (--timeout is per target) and
 * sockets, and net/, tls/ and scan/ keep no mutable globals (GnuTLS is
 * initialised once by main(); getaddrinfo_a() is thread-safe). */
#include "run/fleet.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/targets.h"
#include "report/fleet_render.h"
#include "run/run.h"
#include "util/clock.h"
#include "util/banned.h"

/* Descriptors kept for stdio, the targets file, logging and GnuTLS's own
 * (the trust store, /dev/urandom) before counting connections. */
#define FD_RESERVE 32u

struct fleet_item {
    uint64_t line;
    bool overlong; /* longer than TP_MAX_TARGET_LINE: the rest was skipped */
    bool control;  /* held a control character (shown as '?') */
    char text[TP_MAX_TARGET_LINE + 1];
};

struct fleet {
    const struct tp_config *cfg;
    const struct fleet_hooks *hooks;

    pthread_mutex_t in_mu; /* the reader: in, lines, index, in_status */
    FILE *in;
    uint64_t lines;        /* lines read so far */
    uint64_t index;        /* target lines seen so far (for --shard) */
    bool eof;
    tp_status in_status;

    pthread_mutex_t out_mu; /* the writer: out, rows, totals, out_status */
    FILE *out;
    FILE *rows;             /* text mode: the summary table's rows, until the end */
    struct fleet_totals *totals;
    tp_status out_status;
};

/* One line into item->text, without its line ending (LF or CRLF); false at
 * the end of the file. A longer line keeps its first TP_MAX_TARGET_LINE
 * bytes (enough to tell a comment) and the rest is read and dropped. */
static bool read_line(FILE *in, struct fleet_item *item)
{
    size_t n = 0;
    int c;
    item->overlong = item->control = false;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n == TP_MAX_TARGET_LINE) {
            item->overlong = true;
            continue;
        }
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
            item->control = true;
            c = '?';
        }
        item->text[n++] = (char)c;
    }
    if (c == EOF && n == 0 && !item->overlong)
        return false;
    if (n > 0 && item->text[n - 1] == '\r')
        n--;
    item->text[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (item->text[i] == '\r') {
            item->control = true;
            item->text[i] = '?';
        }
    return true;
}

/* The next line this shard runs; false when there is none left. */
static bool next_item(struct fleet *f, struct fleet_item *item)
{
    bool found = false;
    pthread_mutex_lock(&f->in_mu);
    while (!f->eof && !found) {
        if (!read_line(f->in, item)) {
            f->eof = true;
            if (ferror(f->in))
                f->in_status = TP_E_IO;
            break;
        }
        item->line = ++f->lines;
        if (cli_target_line_is_blank(item->text))
            continue;
        found = cli_shard_selects(f->index++, f->cfg->shard_index, f->cfg->shard_count);
    }
    pthread_mutex_unlock(&f->in_mu);
    return found;
}

/* The line as written, without the blanks around it. */
static const char *trimmed(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        text[--n] = '\0';
    return text;
}

/* Write one finished target: its document, its stderr line, its summary
 * row and its count, all under the output lock. */
static void emit(struct fleet *f, const char *doc, size_t len, const struct tp_fleet_meta *meta,
                 const struct tp_report *report, tp_status status, const char *why)
{
    struct tp_fleet_row row;
    render_fleet_row(&row, report, meta);
    pthread_mutex_lock(&f->out_mu);
    if (len > 0 && (fwrite(doc, 1, len, f->out) != len || fflush(f->out) != 0))
        f->out_status = TP_E_IO;
    if (meta->bad_line != NULL)
        fprintf(stderr, "tlsprobe: targets line %llu: %s\n", (unsigned long long)meta->line,
                meta->bad_line);
    else if (status != TP_OK)
        fprintf(stderr, "tlsprobe: line %llu (%s): %s\n", (unsigned long long)meta->line,
                row.target, why);
    if (f->rows != NULL && fwrite(&row, sizeof row, 1, f->rows) != 1)
        f->out_status = TP_E_IO;
    f->totals->targets++;
    f->totals->bad_lines += meta->bad_line != NULL;
    int code = meta->exit_status;
    f->totals->by_exit[code >= 0 && code < FLEET_EXIT_CODES ? code : FLEET_EXIT_CODES - 1]++;
    pthread_mutex_unlock(&f->out_mu);
}

/* Render the target into memory first, so that it is written in one go. */
static void render_and_emit(struct fleet *f, const struct tp_report *report,
                            const struct tp_config *cfg, const struct tp_fleet_meta *meta,
                            tp_status status, const char *why)
{
    char *doc = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&doc, &len);
    tp_status rendered = TP_E_NOMEM;
    if (mem != NULL) {
        rendered = cfg->json ? render_json_fleet(mem, report, cfg, meta)
                             : render_text_fleet(mem, report, cfg, meta, f->hooks->colour);
        if (fclose(mem) != 0 && rendered == TP_OK)
            rendered = TP_E_NOMEM;
    }
    if (rendered != TP_OK) {
        len = 0;
        pthread_mutex_lock(&f->out_mu);
        f->out_status = rendered;
        pthread_mutex_unlock(&f->out_mu);
    }
    emit(f, doc, len, meta, report, status, why);
    free(doc);
}

static void run_item(struct fleet *f, struct fleet_item *item)
{
    struct tp_target_line line;
    struct tp_report report;
    tp_error err = {0};
    struct tp_fleet_meta meta = {.line = item->line, .spec = trimmed(item->text)};
    const struct tp_config *base = f->cfg;
    tp_status status;

    tp_report_init(&report);
    memset(&line, 0, sizeof line);
    if (item->overlong)
        status = tp_fail(&err, TP_E_USAGE, "line longer than %u bytes", TP_MAX_TARGET_LINE);
    else if (item->control)
        status = tp_fail(&err, TP_E_USAGE, "control character in the line");
    else
        status = cli_parse_target_line(item->text, base->starttls, &line, &err);
    if (status != TP_OK) {
        meta.bad_line = err.msg;
        meta.exit_status = f->hooks->exit_status(status, &report, base);
        render_and_emit(f, &report, base, &meta, status, err.msg);
    } else {
        struct tp_config cfg;
        cli_target_config(base, &line, &cfg);
        uint64_t started = tp_now_ns();
        status = cfg.timing ? run_timed(&cfg, &report, &err) : run_report(&cfg, &report, &err);
        report.elapsed_us = (tp_now_ns() - started) / 1000u;
        meta.exit_status = f->hooks->exit_status(status, &report, &cfg);
        render_and_emit(f, &report, &cfg, &meta, status,
                        err.msg[0] ? err.msg : tp_status_name(status));
    }
    tp_report_finish(&report);
    cli_target_line_finish(&line);
}

static void *worker(void *arg)
{
    struct fleet *f = arg;
    /* On the heap: a line buffer per worker, not on a small thread stack. */
    struct fleet_item *item = malloc(sizeof *item);
    if (item == NULL) {
        pthread_mutex_lock(&f->out_mu);
        f->out_status = TP_E_NOMEM;
        pthread_mutex_unlock(&f->out_mu);
        return NULL;
    }
    while (next_item(f, item))
        run_item(f, item);
    free(item);
    return NULL;
}

/* The connections one target may hold at once: the report's own, the
 * scan's probes (--parallel, or its slow-link maximum when not given) and
 * a resolver socket. */
static uint32_t fds_per_target(const struct tp_config *cfg)
{
    uint32_t probes = !cfg->enumerate ? 0 : cfg->parallel_given ? cfg->parallel : TP_MAX_PARALLEL;
    return 2u + probes;
}

/* The global cap on connections in flight is the open-file limit: raise
 * the soft limit to the hard one, and run fewer jobs than --jobs if even
 * that cannot hold jobs x fds_per_target() (said on stderr). */
static uint32_t jobs_within_fd_limit(const struct tp_config *cfg)
{
    struct rlimit rl;
    uint32_t jobs = cfg->jobs != 0 ? cfg->jobs : TP_DEFAULT_JOBS;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return jobs;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        return jobs;
    uint64_t usable = rl.rlim_cur > FD_RESERVE ? rl.rlim_cur - FD_RESERVE : 1;
    uint64_t fit = usable / fds_per_target(cfg);
    if (fit >= jobs)
        return jobs;
    uint32_t lowered = fit > 0 ? (uint32_t)fit : 1u;
    fprintf(stderr,
            "tlsprobe: --jobs %u lowered to %u: the open-file limit (%llu) bounds the "
            "connections in flight\n",
            jobs, lowered, (unsigned long long)rl.rlim_cur);
    return lowered;
}

static tp_status open_targets(struct fleet *f, tp_error *err)
{
    const char *path = f->cfg->targets_file;
    if (strcmp(path, "-") == 0) {
        f->in = stdin;
        return TP_OK;
    }
    f->in = fopen(path, "r");
    if (f->in == NULL)
        return tp_fail(err, TP_E_USAGE, "--targets '%s': %s", path, strerror(errno));
    return TP_OK;
}

/* Start the workers and wait for them; with none started, run here. */
static void run_pool(struct fleet *f, uint32_t jobs)
{
    pthread_t *threads = calloc(jobs, sizeof *threads);
    uint32_t started = 0;
    if (threads != NULL)
        for (; started < jobs; started++)
            if (pthread_create(&threads[started], NULL, worker, f) != 0)
                break;
    if (started == 0)
        (void)worker(f);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    f->totals->jobs = started > 0 ? started : 1;
}

tp_status run_fleet(const struct tp_config *cfg, const struct fleet_hooks *hooks, FILE *out,
                    struct fleet_totals *totals, tp_error *err)
{
    struct fleet f = {.cfg = cfg, .hooks = hooks, .out = out, .totals = totals};
    memset(totals, 0, sizeof *totals);
    TP_TRY(open_targets(&f, err));
    tp_status status = TP_OK;
    if (!cfg->json && (f.rows = tmpfile()) == NULL) {
        status = tp_fail(err, TP_E_IO, "cannot create a temporary file: %s", strerror(errno));
        goto out;
    }
    if (pthread_mutex_init(&f.in_mu, NULL) != 0) {
        status = tp_fail(err, TP_E_INTERNAL, "pthread_mutex_init failed");
        goto out;
    }
    if (pthread_mutex_init(&f.out_mu, NULL) != 0) {
        pthread_mutex_destroy(&f.in_mu);
        status = tp_fail(err, TP_E_INTERNAL, "pthread_mutex_init failed");
        goto out;
    }
    run_pool(&f, jobs_within_fd_limit(cfg));
    pthread_mutex_destroy(&f.in_mu);
    pthread_mutex_destroy(&f.out_mu);
    if (f.out_status == TP_OK && f.rows != NULL)
        f.out_status = render_fleet_summary(out, f.rows, hooks->colour);
    if (f.out_status == TP_OK && fflush(out) != 0)
        f.out_status = TP_E_IO;
    if (f.in_status != TP_OK)
        status = tp_fail(err, f.in_status, "--targets '%s': read error", cfg->targets_file);
    else if (f.out_status != TP_OK)
        status = tp_fail(err, f.out_status, "could not write the reports");
out:
    if (f.rows != NULL)
        fclose(f.rows);
    if (f.in != NULL && f.in != stdin)
        fclose(f.in);
    return status;
}
