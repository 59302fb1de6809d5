/* cmd_routes.c: `tally routes`: every registered API route with its access
 * policy and the roles the table (authz/policy.h) allows, as JSON, so a test
 * can check each route against each kind of caller. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"

static const char usage_text[] =
    "usage: tally routes\n"
    "Print every API route with its access policy as JSON:\n"
    "  {\"routes\":[{\"method\",\"pattern\",\"public\",\"action\",\"object\",\n"
    "               \"tenant_roles\":[...],\"member_roles\":[...],\"query\":[...]}]}\n"
    "object is \"none\", \"project\" or \"task\" (the first {} of the pattern);\n"
    "tenant_roles: tenant roles the table allows; member_roles: project member\n"
    "roles it allows (on a project the caller can see); query: the query\n"
    "parameters the route takes (any other is refused with 400).\n";

static void usage(FILE *f) {
    fputs(usage_text, f);
}

static json_t *roles_json(enum tl_action act, bool is_member) {
    json_t *arr = json_array();
    for (int r = TL_ROLE_OWNER; arr && r <= TL_ROLE_ANNOTATOR; r++) {
        bool ok = is_member ? tl_policy_member_allows(act, (enum tl_role)r)
                            : tl_policy_tenant_allows(act, (enum tl_role)r);
        if (ok && json_array_append_new(arr, json_string(tl_role_name((enum tl_role)r)))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *query_json(const struct tl_route *rt) {
    json_t *arr = json_array();
    for (size_t i = 0; arr && rt->query && rt->query[i]; i++)
        if (json_array_append_new(arr, json_string(rt->query[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *route_policy_json(const struct tl_route *rt) {
    static const char *const objects[] = {"none",  "project", "task",  "lease",
                                          "annotation", "flag", "review"};
    const struct tl_api_policy *pol = rt->policy;
    if (!pol)
        return json_pack("{s:s,s:s,s:n}", "method", rt->method, "pattern", rt->pattern, "policy");
    if (pol->is_public)
        return json_pack("{s:s,s:s,s:b,s:n,s:s,s:[],s:[]}", "method", rt->method, "pattern",
                         rt->pattern, "public", 1, "action", "object", "none", "tenant_roles",
                         "member_roles");
    const char *obj =
        (unsigned)pol->obj < sizeof objects / sizeof *objects ? objects[pol->obj] : "?";
    return json_pack("{s:s,s:s,s:b,s:s,s:s,s:o*,s:o*}", "method", rt->method, "pattern",
                     rt->pattern, "public", 0, "action", tl_action_name(pol->act), "object", obj,
                     "tenant_roles", roles_json(pol->act, false), "member_roles",
                     roles_json(pol->act, true));
}

static json_t *route_json(const struct tl_route *rt) {
    json_t *j = route_policy_json(rt);
    if (j && json_object_set_new(j, "query", query_json(rt))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int tl_cmd_routes(int argc, char **argv) {
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "tally routes: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    json_t *routes = json_array();
    int rc = routes ? 0 : 1;
    for (size_t i = 0; !rc && i < tl_api_n_routes; i++)
        if (json_array_append_new(routes, route_json(&tl_api_routes[i])))
            rc = 1;
    struct tl_errbuf eb = {{0}};
    int check = tl_api_routes_check(tl_api_routes, tl_api_n_routes, &eb);
    json_t *out = rc ? NULL : json_pack("{s:o,s:b}", "routes", routes, "valid", check == 0);
    if (!out) {
        if (rc)
            json_decref(routes);
        fprintf(stderr, "tally routes: out of memory\n");
        return 1;
    }
    json_dumpf(out, stdout, JSON_INDENT(1));
    fputc('\n', stdout);
    json_decref(out);
    if (check) {
        fprintf(stderr, "tally routes: %s\n", eb.msg);
        return 1;
    }
    return 0;
}
