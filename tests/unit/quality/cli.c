/* Tests for the quality subcommands (src/cli/cmd_aggregate.c,
 * cmd_agreement.c, cmd_leaderboard.c): the output formats later issues rely
 * on, exit codes, and messages for malformed input. The commands run in this
 * process with stdout and stderr redirected to files, so LeakSanitizer sees
 * them too. */
#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "quality/testutil.h"

struct run {
    int status;
    char *out, *err;
};

static char *slurp_fd(int fd) {
    off_t size = lseek(fd, 0, SEEK_END);
    assert_true(size >= 0);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(pread(fd, buf, (size_t)size, 0), size);
    buf[size] = '\0';
    return buf;
}

/* Run fn with argv (NULL-terminated), capturing stdout and stderr. */
static struct run run(int (*fn)(int, char **), const char *const *args) {
    char *argv[32];
    int argc = 0;
    while (args[argc]) {
        assert_true(argc < 31);
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    char out_path[] = "/tmp/tally-cli-out-XXXXXX", err_path[] = "/tmp/tally-cli-err-XXXXXX";
    int out = mkstemp(out_path), err = mkstemp(err_path);
    assert_true(out >= 0 && err >= 0);
    unlink(out_path);
    unlink(err_path);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(out, 1);
    dup2(err, 2);
    struct run r;
    r.status = fn(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    r.out = slurp_fd(out);
    r.err = slurp_fd(err);
    close(out);
    close(err);
    return r;
}

static void run_free(struct run *r) {
    free(r->out);
    free(r->err);
}

/* A temporary file holding text; returns its path in path[]. */
static void temp_file(char *path, const char *text) {
    memcpy(path, "/tmp/tally-cli-in-XXXXXX", sizeof "/tmp/tally-cli-in-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void expect(int (*fn)(int, char **), const char *const *args, int status, const char *out,
                   const char *err_needle) {
    struct run r = run(fn, args);
    if (r.status != status || (out && strcmp(r.out, out)) ||
        (err_needle && !strstr(r.err, err_needle)))
        print_error("%s %s: status %d (want %d)\nstdout:\n%s\nstderr:\n%s\n", args[0],
                    args[1] ? args[1] : "", r.status, status, r.out, r.err);
    assert_int_equal(r.status, status);
    if (out)
        assert_string_equal(r.out, out);
    if (err_needle)
        assert_non_null(strstr(r.err, err_needle));
    run_free(&r);
}

static void test_aggregate_output(void **state) {
    char in[64], workers[64] = "/tmp/tally-cli-workers-XXXXXX";
    temp_file(in, "item,annotator,answer,extra\r\n"
                  "b,w1,yes,x\r\n"
                  "\"a,1\",w1,no,x\r\n"
                  "\"a,1\",w2,no,x\r\n"
                  "b,w2,yes,x\r\n"
                  "b,w1,no,x\r\n" /* duplicate of (b, w1): dropped */
                  "c,w2,\"say \"\"no\"\"\",x\r\n");
    int wfd = mkstemp(workers);
    assert_true(wfd >= 0);
    close(wfd);
    const char *args[] = {"aggregate", in, "--method", "mv", "--workers", workers, NULL};
    expect(tl_cmd_aggregate, args, 0,
           "task,label,confidence\n"
           "\"a,1\",no,1.000000\n"
           "b,yes,1.000000\n"
           "c,\"say \"\"no\"\"\",1.000000\n",
           "dropped 1 duplicate (task, worker) row, keeping the first");
    size_t len;
    char *w = tq_read("/", workers, &len);
    assert_string_equal(w, "worker,skill\nw1,1.000000\nw2,1.000000\n");
    free(w);
    unlink(workers);
    unlink(in);
}

static void test_aggregate_every_method(void **state) {
    char in[64];
    temp_file(in, "task,worker,label\n"
                  "t2,w1,a\nt2,w2,a\nt2,w3,b\n"
                  "t10,w1,b\nt10,w2,b\nt10,w3,b\n"
                  "t1,w1,a\nt1,w2,b\nt1,w3,a\n");
    const char *methods[] = {"auto", "mv", "wmv", "ds", "onecoin", "glad", "mace"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        const char *args[] = {"aggregate", "--method", methods[i], in, NULL};
        struct run r = run(tl_cmd_aggregate, args);
        assert_int_equal(r.status, 0);
        /* Sorted by task name as bytes: t1, t10, t2. */
        assert_non_null(strstr(r.out, "task,label,confidence\nt1,a,"));
        char *t10 = strstr(r.out, "\nt10,b,"), *t2 = strstr(r.out, "\nt2,a,");
        assert_non_null(t10);
        assert_non_null(t2);
        assert_true(t10 < t2);
        assert_null(strstr(r.out, "nan"));
        run_free(&r);
    }
    /* Default method, gold, options after the operand. */
    char gold[64];
    temp_file(gold, "task,label\nt1,b\n");
    const char *args[] = {"aggregate", in, "--gold", gold, NULL};
    struct run r = run(tl_cmd_aggregate, args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "\nt1,b,1.000000\n"));
    run_free(&r);
    unlink(gold);
    unlink(in);
}

static void test_aggregate_bad_input(void **state) {
    static const char *const cases[][2] = {
        {"", "empty file"},
        {"task,worker,label\n", "no labels after the header"},
        {"t1,w1,a\nt1,w2,b\nt2,w1,a\n", "a header row is required"},
        {"task,worker,label\nt1,w1,a\nt1,w2\n", ":3: row has 2 fields, the header has 3"},
        {"task,worker,label\nt1,w1,a\nt2,w2,a\n", "single class"},
        {"task,worker,label\nt1,w1,a\n", "single class"},
        {"task,worker,label\nt1,w1,a\nt2,w1,b\n", "one worker"},
        {"task,worker\nt1,w1\n", "need task, worker and label"},
        {"task,worker,label\nt1,w1,\"a\n", "not closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char in[64];
        temp_file(in, cases[i][0]);
        const char *args[] = {"aggregate", in, NULL};
        expect(tl_cmd_aggregate, args, 1, "", cases[i][1]);
        unlink(in);
    }
    const char *missing[] = {"aggregate", "/nonexistent/labels.csv", NULL};
    expect(tl_cmd_aggregate, missing, 1, "", "/nonexistent/labels.csv");
}

static void test_usage_errors(void **state) {
    const char *unknown[] = {"aggregate", "--frobnicate", "x.csv", NULL};
    expect(tl_cmd_aggregate, unknown, 2, "", "unknown option '--frobnicate'");
    const char *none[] = {"aggregate", NULL};
    expect(tl_cmd_aggregate, none, 2, "", "missing LABELS.csv");
    const char *two[] = {"aggregate", "a.csv", "b.csv", NULL};
    expect(tl_cmd_aggregate, two, 2, "", "expected one");
    const char *method[] = {"aggregate", "--method", "vote", "a.csv", NULL};
    expect(tl_cmd_aggregate, method, 2, "", "unknown method 'vote'");
    const char *noval[] = {"aggregate", "a.csv", "--method", NULL};
    expect(tl_cmd_aggregate, noval, 2, "", "needs a value");
    const char *help[] = {"aggregate", "--help", NULL};
    struct run r = run(tl_cmd_aggregate, help);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: tally aggregate"));
    run_free(&r);
    const char *ahelp[] = {"agreement", "--help", NULL};
    r = run(tl_cmd_agreement, ahelp);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: tally agreement"));
    run_free(&r);
    const char *lhelp[] = {"leaderboard", "--help", NULL};
    r = run(tl_cmd_leaderboard, lhelp);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: tally leaderboard"));
    run_free(&r);
    const char *lbad[] = {"leaderboard", "b.csv", "--bootstrap", "many", NULL};
    expect(tl_cmd_leaderboard, lbad, 2, "", "--bootstrap wants an integer");
    const char *lunk[] = {"leaderboard", "-x", "b.csv", NULL};
    expect(tl_cmd_leaderboard, lunk, 2, "", "unknown option");
}

static void test_agreement(void **state) {
    char in[64];
    temp_file(in, "task,worker,label\n1,a,x\n1,b,x\n2,a,x\n2,b,y\n3,a,y\n3,b,y\n4,a,y\n4,b,y\n");
    const char *pct[] = {"agreement", in, "--metric", "percent", NULL};
    expect(tl_cmd_agreement, pct, 0, "0.750000\n", NULL);
    const char *cohen[] = {"agreement", "--metric", "cohen", "--weights", "none", in, NULL};
    expect(tl_cmd_agreement, cohen, 0, "0.500000\n", NULL);
    const char *alpha[] = {"agreement", "--metric", "alpha", "--level", "nominal", in, NULL};
    expect(tl_cmd_agreement, alpha, 0, "0.533333\n", NULL);
    const char *nometric[] = {"agreement", in, NULL};
    expect(tl_cmd_agreement, nometric, 2, "", "--metric is required");
    const char *badmix[] = {"agreement", "--metric", "alpha", "--weights", "linear", in, NULL};
    expect(tl_cmd_agreement, badmix, 2, "", "--weights applies to --metric cohen only");
    const char *interval[] = {"agreement", "--metric", "alpha", "--level", "interval", in, NULL};
    expect(tl_cmd_agreement, interval, 1, "", "numeric labels");
    unlink(in);
    temp_file(in, "task,worker,label\n1,a,x\n1,b,x\n");
    const char *same[] = {"agreement", "--metric", "fleiss", in, NULL};
    expect(tl_cmd_agreement, same, 1, "", "undefined");
    unlink(in);
}

static void test_leaderboard(void **state) {
    char in[64];
    temp_file(in, "model_a,model_b,winner\r\n"
                  "x,y,model_a\r\ny,x,model_b\r\nx,y,model_b\r\nx,y,model_a\r\n");
    const char *args[] = {"leaderboard", in, "--bootstrap", "0", NULL};
    /* 3 wins to 1: 400 log10 3 = 190.85 Elo apart around 1000. */
    expect(tl_cmd_leaderboard, args, 0,
           "rank,model,score,ci_low,ci_high\n"
           "1,x,1095.42,1095.42,1095.42\n"
           "2,y,904.58,904.58,904.58\n",
           NULL);
    const char *elo[] = {"leaderboard", "--method", "elo", "--seed", "3", in, NULL};
    struct run r = run(tl_cmd_leaderboard, elo);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "rank,model,score,ci_low,ci_high\n1,x,"));
    run_free(&r);
    unlink(in);
    temp_file(in, "model_a,model_b,winner\nx,y,draw\n");
    const char *bad[] = {"leaderboard", in, NULL};
    expect(tl_cmd_leaderboard, bad, 1, "", "winner must be model_a, model_b or tie");
    unlink(in);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregate_output),    cmocka_unit_test(test_aggregate_every_method),
        cmocka_unit_test(test_aggregate_bad_input), cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_agreement),           cmocka_unit_test(test_leaderboard),
    };
    return cmocka_run_group_tests_name("quality/cli", tests, NULL, NULL);
}
