/* demo_media.h: the media files of the demo's example projects (a road
 * scene as PNG, two-voice tones as WAV), generated here so that the
 * project ships no third-party image or recording and needs no image or
 * audio library.
 *
 * An example's tasks.jsonl names a medium with a placeholder string
 * TL_DEMO_MEDIA_PREFIX + NAME (e.g. "tally-demo:road-day.png"); `tally
 * demo` makes the bytes, stores them as one of the project's files and
 * puts the file's url in the placeholder's place. The bytes are the same
 * on every run (no clock, no randomness). */
#ifndef TL_CLI_DEMO_MEDIA_H
#define TL_CLI_DEMO_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TL_DEMO_MEDIA_PREFIX "tally-demo:"
/* A medium's name is at most this many bytes. */
#define TL_DEMO_MEDIA_MAX_NAME 64

/* Append the bytes of the medium called name[0..name_len) to out and set
 * *type to its canonical media type (a static string, core/media.h): 0,
 * TL_ENOTFOUND for a name that is no medium, TL_ETOOBIG past out's ceiling
 * (a medium is under 256 KiB), TL_ENOMEM. On error out may hold part of
 * the medium: reset it. */
int tl_demo_media_make(const char *name, size_t name_len, struct tl_buf *out, const char **type);

/* The zlib Adler-32 of p[0..n), continuing from adler (start with 1). */
uint32_t tl_demo_adler32(uint32_t adler, const unsigned char *p, size_t n);
/* The CRC-32 (ISO 3309, as PNG and zlib use) of p[0..n), continuing from
 * crc (start with 0). */
uint32_t tl_demo_crc32(uint32_t crc, const unsigned char *p, size_t n);

#endif
