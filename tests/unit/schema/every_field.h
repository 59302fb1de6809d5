/* every_field.h: one schema with a field of every type (views with a
 * Label Studio name, segments with a text_name), shared by the Label
 * Studio results tests (tests/unit/schema/lsjson.c) and their fuzz target
 * (fuzz/lsjson.c), so both exercise the same converter paths. */
#ifndef TL_TEST_EVERY_FIELD_H
#define TL_TEST_EVERY_FIELD_H

static const char EVERY_FIELD_SCHEMA[] =
    "{\"views\":[{\"source\":\"text\",\"kind\":\"text\",\"name\":\"doc\"},"
    "{\"source\":\"image\",\"kind\":\"image\"},{\"source\":\"audio\",\"kind\":\"audio\"},"
    "{\"source\":\"a\",\"kind\":\"text\"},{\"source\":\"b\",\"kind\":\"text\"}],\"fields\":["
    "{\"name\":\"c\",\"type\":\"choice\",\"options\":[\"x\",\"y\"],\"required\":false},"
    "{\"name\":\"m\",\"type\":\"multichoice\",\"options\":[\"x\",\"y\"],\"required\":false},"
    "{\"name\":\"t\",\"type\":\"text\",\"required\":false},"
    "{\"name\":\"n\",\"type\":\"number\",\"required\":false},"
    "{\"name\":\"r\",\"type\":\"rating\",\"min\":1,\"max\":5,\"required\":false},"
    "{\"name\":\"s\",\"type\":\"spans\",\"source\":\"text\",\"labels\":[\"P\",\"O\"],"
    "\"allow_overlap\":true,\"required\":false},"
    "{\"name\":\"rel\",\"type\":\"relations\",\"field\":\"s\",\"labels\":[\"w\"],"
    "\"required\":false},"
    "{\"name\":\"bx\",\"type\":\"boxes\",\"source\":\"image\",\"labels\":[\"P\"],\"required\":false},"
    "{\"name\":\"pg\",\"type\":\"polygons\",\"source\":\"image\",\"labels\":[\"P\"],"
    "\"required\":false},"
    "{\"name\":\"kp\",\"type\":\"keypoints\",\"source\":\"image\",\"labels\":[\"P\"],"
    "\"required\":false},"
    "{\"name\":\"sg\",\"type\":\"segments\",\"source\":\"audio\",\"labels\":[\"P\"],"
    "\"text_name\":\"tr\",\"required\":false},"
    "{\"name\":\"pw\",\"type\":\"pairwise\",\"sources\":[\"a\",\"b\"],\"required\":false},"
    "{\"name\":\"rk\",\"type\":\"ranking\",\"sources\":[\"a\",\"b\"],\"required\":false},"
    "{\"name\":\"rb\",\"type\":\"rubric\",\"criteria\":[{\"name\":\"q\",\"min\":1,\"max\":3}],"
    "\"required\":false}]}";

#endif
