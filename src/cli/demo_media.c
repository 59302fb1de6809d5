/* demo_media.c: the demo's generated media (demo_media.h): PNG frames of a
 * synthetic road scene and WAV recordings of tones, both written byte by
 * byte. The PNG's zlib stream uses stored (uncompressed) deflate blocks:
 * a demo frame is under 200 KiB, so compression is not worth a library. */
#include "cli/demo_media.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* --- checksums --- */

uint32_t tl_demo_adler32(uint32_t adler, const unsigned char *p, size_t n) {
    uint32_t a = adler & 0xffff, b = adler >> 16;
    while (n > 0) {
        /* 5552 bytes is the longest run whose sums cannot overflow 32 bits
         * before the modulo (zlib's NMAX) */
        size_t run = n < 5552 ? n : 5552;
        n -= run;
        while (run--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | a;
}

uint32_t tl_demo_crc32(uint32_t crc, const unsigned char *p, size_t n) {
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

static int put_be32(struct tl_buf *b, uint32_t v) {
    unsigned char x[4] = {v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff};
    return tl_buf_append(b, x, 4);
}

static int put_le(struct tl_buf *b, uint32_t v, int bytes) {
    unsigned char x[4] = {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24};
    return tl_buf_append(b, x, (size_t)bytes);
}

/* --- PNG: a road scene --- */

#define PNG_W     320
#define PNG_H     180
#define HORIZON   45.0 /* percent of height where the sky ends */
#define ROAD_TOP  55.0 /* the road is the trapezoid (0,100) (35,55) (65,55) (100,100) */
#define MAX_RECTS 8

struct rgb {
    unsigned char r, g, b;
};

/* In percent of width and height, as box results are (docs/schema.md). */
struct rect {
    double x, y, width, height;
    struct rgb color;
};

struct scene {
    const char *name;
    struct rgb sky, ground, road;
    struct rect rects[MAX_RECTS]; /* painted in order; a zero width ends */
};

/* The boxes of docs/schema.md's driving example are the first scene's cars
 * and traffic light: keep the two in step. */
static const struct scene scenes[] = {
    {"road-day.png",
     {135, 190, 235},
     {90, 150, 70},
     {90, 90, 95},
     {
         {20, 70, 20, 15, {200, 40, 40}},   /* car */
         {24, 71, 12, 5, {60, 70, 90}},     /* its windscreen */
         {55, 60, 12, 9, {40, 80, 200}},    /* car */
         {57, 61, 8, 3, {60, 70, 90}},      /* its windscreen */
         {84, 30, 1, 25, {50, 50, 50}},     /* traffic light pole */
         {82.5, 18, 4, 12, {30, 30, 30}},   /* traffic light */
         {83.5, 19.5, 2, 3, {230, 30, 30}}, /* red lamp */
     }},
    {"road-dusk.png",
     {240, 150, 100},
     {60, 100, 55},
     {70, 70, 75},
     {
         {60, 62, 22, 18, {230, 200, 40}}, /* truck */
         {62, 63, 18, 5, {60, 60, 70}},    /* its windscreen */
         {30, 58, 3, 10, {150, 60, 160}},  /* pedestrian */
     }},
};

static struct rgb scene_pixel(const struct scene *sc, int px, int py) {
    double u = (px + 0.5) * 100.0 / PNG_W, v = (py + 0.5) * 100.0 / PNG_H;
    struct rgb c = v < HORIZON ? sc->sky : sc->ground;
    double spread = 35.0 * (v - ROAD_TOP) / (100.0 - ROAD_TOP);
    if (v >= ROAD_TOP && u >= 35.0 - spread && u <= 65.0 + spread) {
        c = sc->road;
        bool is_dash = (int)(v / 4.0) % 2 == 0;
        if (is_dash && fabs(u - 50.0) < 0.3 + spread / 60.0)
            c = (struct rgb){235, 235, 235};
    }
    for (const struct rect *r = sc->rects; r < sc->rects + MAX_RECTS && r->width > 0; r++)
        if (u >= r->x && u < r->x + r->width && v >= r->y && v < r->y + r->height)
            c = r->color;
    return c;
}

/* One chunk: length, type, data, CRC of type and data. */
static int png_chunk(struct tl_buf *out, const char type[4], const unsigned char *data,
                     size_t len) {
    int rc = put_be32(out, (uint32_t)len);
    size_t from = out->len;
    if (!rc)
        rc = tl_buf_append(out, type, 4);
    if (!rc && len)
        rc = tl_buf_append(out, data, len);
    if (!rc)
        rc = put_be32(out, tl_demo_crc32(0, (const unsigned char *)out->data + from, len + 4));
    return rc;
}

/* raw (filter bytes and pixels) as a zlib stream of stored blocks. */
static int zlib_stored(struct tl_buf *z, const unsigned char *raw, size_t n) {
    static const unsigned char header[2] = {0x78, 0x01}; /* deflate, 32 KiB window */
    int rc = tl_buf_append(z, header, 2);
    size_t off = 0;
    do {
        size_t len = n - off < 65535 ? n - off : 65535;
        bool is_last = off + len == n;
        unsigned char block[5] = {is_last, len & 0xff, len >> 8, ~len & 0xff, (~len >> 8) & 0xff};
        if (!rc)
            rc = tl_buf_append(z, block, 5);
        if (!rc && len)
            rc = tl_buf_append(z, raw + off, len);
        off += len;
    } while (!rc && off < n);
    return rc ? rc : put_be32(z, tl_demo_adler32(1, raw, n));
}

static int make_png(const struct scene *sc, struct tl_buf *out) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const size_t row = 1 + 3 * PNG_W;
    unsigned char *raw = malloc(row * PNG_H);
    if (!raw)
        return TL_ENOMEM;
    for (int y = 0; y < PNG_H; y++) {
        unsigned char *p = raw + (size_t)y * row;
        *p++ = 0; /* filter: none */
        for (int x = 0; x < PNG_W; x++) {
            struct rgb c = scene_pixel(sc, x, y);
            *p++ = c.r;
            *p++ = c.g;
            *p++ = c.b;
        }
    }
    /* width, height, bit depth 8, colour type 2 (RGB), deflate, no filter
     * method beyond the default, not interlaced */
    unsigned char ihdr[13] = {0, 0, PNG_W >> 8, PNG_W & 0xff, 0, 0, PNG_H >> 8, PNG_H & 0xff, 8, 2,
                              0, 0, 0};
    struct tl_buf z;
    tl_buf_init(&z, out->max);
    int rc = zlib_stored(&z, raw, row * PNG_H);
    free(raw);
    if (!rc)
        rc = tl_buf_append(out, signature, sizeof signature);
    if (!rc)
        rc = png_chunk(out, "IHDR", ihdr, sizeof ihdr);
    if (!rc)
        rc = png_chunk(out, "IDAT", (const unsigned char *)z.data, z.len);
    if (!rc)
        rc = png_chunk(out, "IEND", NULL, 0);
    tl_buf_release(&z);
    return rc;
}

/* --- WAV: tones, noise and silence --- */

#define WAV_RATE   16000
#define MAX_SOUNDS 4

/* hz 0 is noise */
struct sound {
    int start_ms, end_ms, hz;
};

struct recording {
    const char *name;
    int length_ms;
    struct sound sounds[MAX_SOUNDS]; /* a zero end ends */
};

/* The segments of docs/schema.md's audio example are the first
 * recording's sounds: keep the two in step. */
static const struct recording recordings[] = {
    {"dialogue.wav", 2000, {{0, 800, 440}, {1200, 2000, 660}}},
    {"noisy.wav", 2000, {{0, 500, 0}, {700, 1700, 330}}},
};

static int16_t sample(const struct recording *rec, int i, uint32_t *noise) {
    double t_ms = i * 1000.0 / WAV_RATE;
    for (const struct sound *s = rec->sounds; s < rec->sounds + MAX_SOUNDS && s->end_ms; s++) {
        if (t_ms < s->start_ms || t_ms >= s->end_ms)
            continue;
        /* 10 ms fades, so that no edge clicks */
        double fade = fmin(1.0, fmin(t_ms - s->start_ms, s->end_ms - t_ms) / 10.0);
        double x;
        if (s->hz) {
            x = sin(2.0 * M_PI * s->hz * (t_ms / 1000.0));
        } else {
            *noise = *noise * 1664525u + 1013904223u; /* deterministic: same bytes each run */
            x = (double)(*noise >> 16) / 32768.0 - 1.0;
        }
        return (int16_t)lrint(0.4 * 32767.0 * fade * x);
    }
    return 0;
}

static int make_wav(const struct recording *rec, struct tl_buf *out) {
    uint32_t n = (uint32_t)((int64_t)rec->length_ms * WAV_RATE / 1000);
    uint32_t data_len = 2 * n;
    int rc = tl_buf_puts(out, "RIFF");
    if (!rc)
        rc = put_le(out, 36 + data_len, 4);
    if (!rc)
        rc = tl_buf_puts(out, "WAVEfmt ");
    if (!rc)
        rc = put_le(out, 16, 4); /* fmt chunk size */
    if (!rc)
        rc = put_le(out, 1, 2); /* PCM */
    if (!rc)
        rc = put_le(out, 1, 2); /* mono */
    if (!rc)
        rc = put_le(out, WAV_RATE, 4);
    if (!rc)
        rc = put_le(out, 2 * WAV_RATE, 4); /* bytes per second */
    if (!rc)
        rc = put_le(out, 2, 2); /* bytes per frame */
    if (!rc)
        rc = put_le(out, 16, 2); /* bits per sample */
    if (!rc)
        rc = tl_buf_puts(out, "data");
    if (!rc)
        rc = put_le(out, data_len, 4);
    uint32_t noise = 1;
    for (uint32_t i = 0; !rc && i < n; i++)
        rc = put_le(out, (uint16_t)sample(rec, (int)i, &noise), 2);
    return rc;
}

static bool is_name(const char *want, const char *name, size_t name_len) {
    return strlen(want) == name_len && memcmp(want, name, name_len) == 0;
}

int tl_demo_media_make(const char *name, size_t name_len, struct tl_buf *out, const char **type) {
    for (size_t i = 0; i < sizeof scenes / sizeof *scenes; i++)
        if (is_name(scenes[i].name, name, name_len)) {
            *type = "image/png";
            return make_png(&scenes[i], out);
        }
    for (size_t i = 0; i < sizeof recordings / sizeof *recordings; i++)
        if (is_name(recordings[i].name, name, name_len)) {
            *type = "audio/wav";
            return make_wav(&recordings[i], out);
        }
    return TL_ENOTFOUND;
}
