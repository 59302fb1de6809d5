# Tally build. `make run` and `make test` are the two front doors (see README.md).
# Everything else is a building block: all, unit, api, san, bench.

BUILD ?= build
SAN   ?= 0
ifeq ($(SAN),1)
BUILD    := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1
else
OPT      := -O2
endif

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium expat libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CFLAGS  := -std=c17 $(OPT) -g $(WARN) -D_GNU_SOURCE -pthread -Isrc $(SANFLAGS) $(PKG_CFLAGS) \
           $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(SANFLAGS)
LDLIBS  := $(PKG_LIBS) -lm

SRCS     := $(shell find src -name '*.c' | sort)
OBJS     := $(SRCS:%.c=$(BUILD)/obj/%.o)
# The web UI bundle, embedded (src/web/web.h): generated C with one .incbin per file.
WEB_OBJ  := $(BUILD)/obj/gen/web_assets.o
LIB_OBJS := $(filter-out $(BUILD)/obj/src/cli/main.o,$(OBJS)) $(WEB_OBJ)

UNIT_SRCS := $(shell find tests/unit -name '*.c' 2>/dev/null | sort)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

# Each fuzz/NAME.c (a libFuzzer target) also builds, with fuzz/replay.c, into a
# corpus replayer $(BUILD)/fuzz/NAME that `make test` runs over fuzz/corpus/NAME.
FUZZ_SRCS := $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)

# Each folder bench/NAME/ with C files builds to one program $(BUILD)/bench/NAME,
# linked with what the in-process benchmarks share (bench/common/).
BENCH_COMMON := $(wildcard bench/common/*.c)
BENCH_DIRS := $(filter-out bench/common/,$(sort $(dir $(wildcard bench/*/*.c))))
BENCH_BINS := $(patsubst bench/%/,$(BUILD)/bench/%,$(BENCH_DIRS))

TALLY_TESTDATA ?= $(abspath ../shared/data)
export TALLY_TESTDATA

.PHONY: all run test test-all unit api browser fuzz-replay fuzz deps deps-test bench clean check-src
all: $(BUILD)/tally $(UNIT_BINS) $(BENCH_BINS) $(FUZZ_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The OpenAPI document is built into the binary (.incbin in openapi.c).
$(BUILD)/obj/src/api/openapi.o: src/api/openapi.json

# The web UI: npm packages when the lockfile changed (scripts/deps.sh web),
# the esbuild bundle when a source changed (a stamp, since build.mjs
# rewrites the whole folder), then the C table embedding it. WEB_OUT is
# shared by the normal and the SAN build.
WEB_OUT  := build/web
WEB_SRCS := $(shell find web/src -type f 2>/dev/null | sort) web/index.html web/build.mjs \
            web/package-lock.json
web/node_modules/.package-lock.json: web/package-lock.json
	@scripts/deps.sh web

$(WEB_OUT)/.stamp: $(WEB_SRCS) web/node_modules/.package-lock.json
	node web/build.mjs $(WEB_OUT)
	@touch $@

$(BUILD)/gen/web_assets.c: $(WEB_OUT)/.stamp scripts/web-assets.sh
	@mkdir -p $(dir $@)
	scripts/web-assets.sh $(WEB_OUT) $@

$(WEB_OBJ): $(BUILD)/gen/web_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libtally.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tally: $(BUILD)/obj/src/cli/main.o $(BUILD)/libtally.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(BUILD)/libtally.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/fuzz/%: fuzz/%.c fuzz/replay.c $(wildcard fuzz/*.h) $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< fuzz/replay.c $(BUILD)/libtally.a $(LDFLAGS) $(LDLIBS)

.SECONDEXPANSION:
$(BUILD)/bench/%: $$(wildcard bench/%/*.c) $(BENCH_COMMON) $(wildcard bench/common/*.h) \
                  $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibench/common -o $@ $(filter %.c,$^) $(BUILD)/libtally.a $(LDFLAGS) $(LDLIBS)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)

deps:
	@scripts/deps.sh build web
deps-test:
	@scripts/deps.sh build web test

# make run: install, build, seed a demo tenant once, serve on 127.0.0.1:8080
# (make run LISTEN=[::1]:9000 DATA=dir for another address or store).
DATA ?= tally-data
LISTEN ?= 127.0.0.1:8080
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/tally
	@TALLY_LISTEN='$(LISTEN)' $(BUILD)/tally demo --data '$(DATA)'
	exec $(BUILD)/tally serve --data '$(DATA)' --listen '$(LISTEN)'

# make test: every suite, normal build then sanitizer build. The browser
# tests run against the normal build only: what they add over the API suite
# is the page (JavaScript in Chromium), while the server code they reach is
# the API's, which the sanitizer pass runs whole.
test: deps-test
	@$(MAKE) --no-print-directory test-all
	@$(MAKE) --no-print-directory test-all SAN=1

test-all: check-src all
	@$(MAKE) --no-print-directory unit fuzz-replay api $(if $(filter 0,$(SAN)),browser)

unit: $(UNIT_BINS)
	@scripts/run-unit.sh $(UNIT_BINS)

fuzz-replay: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do $$f fuzz/corpus/$$(basename $$f)/* || exit 1; done

# Real fuzzing (needs clang: scripts/deps.sh fuzz), e.g. make fuzz TARGET=import
# (targets: import, schema, labels, split, headers, lsxml, lsjson, media,
# csvtasks, cookie, negotiate, score, scan); FUZZ_SECONDS=300 for a longer run.
TARGET ?= import
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh fuzz
	@mkdir -p build/fuzz-clang
	clang -std=c17 -g -O1 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
	    -o build/fuzz-clang/$(TARGET) fuzz/$(TARGET).c $(wildcard src/core/*.c src/schema/*.c src/quality/*.c) src/http/framing.c \
	    src/http/cookie.c src/web/negotiate.c src/queue/reinfer_scan.c $(PKG_CFLAGS) $(PKG_LIBS) -lm -pthread
	@mkdir -p build/fuzz-clang/new-$(TARGET)
	build/fuzz-clang/$(TARGET) -max_total_time=$(FUZZ_SECONDS) build/fuzz-clang/new-$(TARGET) fuzz/corpus/$(TARGET)

browser: $(BUILD)/tally
	TALLY_BIN=$(abspath $(BUILD)/tally) scripts/run-browser.sh

api: $(BUILD)/tally
	TALLY_BIN=$(abspath $(BUILD)/tally) scripts/run-api.sh
	TALLY_BIN=$(abspath $(BUILD)/tally) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/crash

check-src:
	@scripts/checksrc

bench: $(BUILD)/tally $(BENCH_BINS)

clean:
	rm -rf build
