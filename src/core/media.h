/* media.h: the media types Tally stores for labeling (images, audio, video),
 * and the check that a body starts the way its declared type must.
 *
 * The allowlist is closed on purpose: nothing a browser would run or render
 * as a document (HTML, SVG, XML, PDF) can be uploaded, whatever its bytes,
 * and a file is served only under the canonical type stored with it, never
 * a client's spelling of it. The sniffer reads at most TL_MEDIA_SNIFF_LEN
 * bytes and keeps no state. */
#ifndef TL_CORE_MEDIA_H
#define TL_CORE_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a body's start that tl_media_sniff may look at (a WebM header
 * names its doctype within its first few dozen bytes). */
#define TL_MEDIA_SNIFF_LEN 64

/* The canonical media type (a static string, e.g. "image/png") if the
 * Content-Type header value names an allowed type exactly (type/subtype
 * compared case-insensitively; parameters such as "; codecs=opus" are
 * dropped, never stored); NULL for anything else, NULL included. */
const char *tl_media_allowed(const char *content_type);

/* True if head[0..len) (the first min(size, TL_MEDIA_SNIFF_LEN) bytes of a
 * body) starts with the magic bytes of canonical type `type`; false for a
 * type not on the allowlist or a head too short to tell. */
bool tl_media_sniff(const char *type, const unsigned char *head, size_t len);

/* True if a browser may show `type` inline (every allowed image, audio and
 * video type); false for anything else, which is served as an attachment. */
bool tl_media_is_inline(const char *type);

#endif
