/* media.c: the media allowlist and magic-byte sniffer (see media.h). */
#include "core/media.h"

#include <string.h>
#include <strings.h>

typedef bool (*sniff_fn)(const unsigned char *h, size_t n);

static bool starts(const unsigned char *h, size_t n, const char *magic, size_t m) {
    return n >= m && memcmp(h, magic, m) == 0;
}

static bool is_png(const unsigned char *h, size_t n) {
    return starts(h, n, "\x89PNG\r\n\x1a\n", 8);
}
static bool is_jpeg(const unsigned char *h, size_t n) {
    return starts(h, n, "\xff\xd8\xff", 3);
}
static bool is_gif(const unsigned char *h, size_t n) {
    return starts(h, n, "GIF87a", 6) || starts(h, n, "GIF89a", 6);
}
/* RIFF containers: "RIFF", a 4-byte size, then the form type. */
static bool is_riff(const unsigned char *h, size_t n, const char *form) {
    return starts(h, n, "RIFF", 4) && n >= 12 && memcmp(h + 8, form, 4) == 0;
}
static bool is_webp(const unsigned char *h, size_t n) {
    return is_riff(h, n, "WEBP");
}
static bool is_wav(const unsigned char *h, size_t n) {
    return is_riff(h, n, "WAVE");
}
/* An ID3v2 tag, or an MPEG audio frame header: 11 sync bits, a version
 * that is not the reserved 01, a layer that is not the reserved 00. */
static bool is_mpeg_audio(const unsigned char *h, size_t n) {
    if (starts(h, n, "ID3", 3))
        return true;
    return n >= 2 && h[0] == 0xff && (h[1] & 0xe0) == 0xe0 && ((h[1] >> 3) & 3) != 1 &&
           ((h[1] >> 1) & 3) != 0;
}
static bool is_ogg(const unsigned char *h, size_t n) {
    return starts(h, n, "OggS", 4);
}
static bool is_flac(const unsigned char *h, size_t n) {
    return starts(h, n, "fLaC", 4);
}
/* An EBML header whose DocType element (id 42 82, a one-byte size of at
 * least 4) says "webm"; Matroska files say "matroska" and are refused. */
static bool is_webm(const unsigned char *h, size_t n) {
    if (!starts(h, n, "\x1a\x45\xdf\xa3", 4))
        return false;
    for (size_t i = 4; i + 7 <= n; i++)
        if (h[i] == 0x42 && h[i + 1] == 0x82 && (h[i + 2] & 0x80) && (h[i + 2] & 0x7f) >= 4)
            return memcmp(h + i + 3, "webm", 4) == 0;
    return false;
}
/* ISO base media: a first box of type "ftyp" (its size comes first). */
static bool is_mp4(const unsigned char *h, size_t n) {
    return n >= 12 && memcmp(h + 4, "ftyp", 4) == 0;
}

static const struct {
    const char *type;
    sniff_fn sniff;
} allowed[] = {
    {"image/png", is_png},   {"image/jpeg", is_jpeg}, {"image/gif", is_gif},
    {"image/webp", is_webp}, {"audio/wav", is_wav},   {"audio/mpeg", is_mpeg_audio},
    {"audio/ogg", is_ogg},   {"audio/flac", is_flac}, {"audio/webm", is_webm},
    {"video/mp4", is_mp4},   {"video/webm", is_webm},
};
#define N_ALLOWED (sizeof allowed / sizeof allowed[0])

const char *tl_media_allowed(const char *content_type) {
    if (!content_type)
        return NULL;
    size_t n = strcspn(content_type, ";");
    while (n > 0 && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (strlen(allowed[i].type) == n && !strncasecmp(content_type, allowed[i].type, n))
            return allowed[i].type;
    return NULL;
}

bool tl_media_sniff(const char *type, const unsigned char *head, size_t len) {
    if (!type || !head)
        return false;
    if (len > TL_MEDIA_SNIFF_LEN)
        len = TL_MEDIA_SNIFF_LEN;
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (!strcmp(type, allowed[i].type))
            return allowed[i].sniff(head, len);
    return false;
}

bool tl_media_is_inline(const char *type) {
    for (size_t i = 0; type && i < N_ALLOWED; i++)
        if (!strcmp(type, allowed[i].type))
            return true;
    return false;
}
