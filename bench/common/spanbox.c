/* spanbox.c: see spanbox.h. */
#include "spanbox.h"

#include <stdio.h>
#include <string.h>

const char tb_spanbox_schema[] =
    "{\"views\":[{\"source\":\"text\",\"kind\":\"text\"},"
    "{\"source\":\"image\",\"kind\":\"image\"}],"
    "\"fields\":[{\"name\":\"ents\",\"type\":\"spans\",\"source\":\"text\","
    "\"labels\":[\"PER\",\"ORG\",\"LOC\"],\"required\":false},"
    "{\"name\":\"boxes\",\"type\":\"boxes\",\"source\":\"image\",\"labels\":[\"car\",\"person\"],"
    "\"min_size\":0.5,\"required\":false}]}";

const char tb_spanbox_text[] = "Zo\xc3\xab Martin joined Acme Robotics in Lyon in March; "
                               "her team at Acme builds delivery robots for the city of Lyon.";

char *tb_spanbox_result(size_t k) {
    char buf[1024];
    size_t o = 0;
    if (k % 2 == 0) {
        o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"ents\":[");
        for (int i = 0; i < 5; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o,
                                  "%s{\"start\":%zu,\"end\":%zu,\"label\":\"%s\"}", i ? "," : "",
                                  (size_t)i * 20 + k % 7, (size_t)i * 20 + 10 + k % 5,
                                  i % 2 ? "ORG" : "PER");
    } else {
        o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"boxes\":[");
        for (int i = 0; i < 5; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o,
                                  "%s{\"x\":%.2f,\"y\":%.2f,\"width\":12.5,\"height\":8.25,"
                                  "\"label\":\"car\"}",
                                  i ? "," : "", i * 15.0 + (double)(k % 10), i * 10.5);
    }
    snprintf(buf + o, sizeof buf - o, "]}");
    return strdup(buf);
}
