# Soak test and the sidecar under valgrind (tests/soak, docs/soak.md).
#
#   make soak              10 minutes, 10,000 connections, plain module
#   make soak-asan         the same with the ASan/UBSan module build
#   make soak-ci           60 seconds, 10,000 connections, plain module
#   make soak-asan-ci      60 seconds with the ASan/UBSan module build
#   make sidecar-valgrind  cclink-sidecar `once` under valgrind against the
#                          simulator: no memory errors, no definite or
#                          indirect leaks
#
# SOAK_ARGS passes options to tests/soak/soak.py (see --help), e.g.
#   make soak-ci SOAK_ARGS="--conns 5000 --workdir /tmp/soak"
# The plain runs check worker RSS growth (< 5% after warm-up); the ASan
# runs check for sanitizer reports instead (ASan's quarantine keeps freed
# memory, so their RSS is reported but not checked).
#
# Included by the top-level Makefile (which defines BUILD, CC, ASAN_BUILD
# and the module, module-asan and sidecar targets). The load generator and
# the echo backend are the benchmark's (tests/bench), built here into
# $(BUILD)/soak so that this file does not depend on bench.mk.

SOAK_SRC     := tests/soak
SOAK_OUT     := $(BUILD)/soak
SOAK_PYTHON  ?= /usr/bin/python3
SOAK_ARGS    ?=
SOAK_CFLAGS  ?= -g -O2
SOAK_WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wpointer-arith

SOAK_LOAD    := $(SOAK_OUT)/bench-load
SOAK_BACKEND := $(SOAK_OUT)/bench-backend

SOAK_ENV     := SOAK_LOAD_DIR=$(SOAK_OUT) \
                SOAK_SIDECAR=$(BUILD)/sidecar/cclink-sidecar
SOAK_ASAN_ENV := $(SOAK_ENV) CCLINK_BUILD=$(ASAN_BUILD) \
                CCLINK_PRELOAD="$$($(CC) -print-file-name=libasan.so) \
                                $$($(CC) -print-file-name=libubsan.so)"

.PHONY: soak soak-ci soak-asan soak-asan-ci soak-deps soak-tools \
        sidecar-valgrind

$(SOAK_LOAD): tests/bench/bench_load.c tests/lib/hello.c tests/lib/hello.h
	mkdir -p $(dir $@)
	$(CC) $(SOAK_CFLAGS) $(SOAK_WARN) -Itests/lib -pthread -o $@ \
	    tests/bench/bench_load.c tests/lib/hello.c

$(SOAK_BACKEND): tests/bench/bench_backend.c
	mkdir -p $(dir $@)
	$(CC) $(SOAK_CFLAGS) $(SOAK_WARN) -pthread -o $@ \
	    tests/bench/bench_backend.c

soak-deps:
	./tools/install-deps.sh tools/deps.d/soak.txt

soak-tools: $(SOAK_LOAD) $(SOAK_BACKEND)

soak: soak-deps module sidecar soak-tools
	$(SOAK_ENV) $(SOAK_PYTHON) $(SOAK_SRC)/soak.py --duration 600 \
	    --warmup 30 $(SOAK_ARGS)

soak-ci: soak-deps module sidecar soak-tools
	$(SOAK_ENV) $(SOAK_PYTHON) $(SOAK_SRC)/soak.py --duration 60 \
	    --warmup 10 $(SOAK_ARGS)

soak-asan: soak-deps module-asan sidecar soak-tools
	$(SOAK_ASAN_ENV) $(SOAK_PYTHON) $(SOAK_SRC)/soak.py --duration 600 \
	    --warmup 30 $(SOAK_ARGS)

soak-asan-ci: soak-deps module-asan sidecar soak-tools
	$(SOAK_ASAN_ENV) $(SOAK_PYTHON) $(SOAK_SRC)/soak.py --duration 60 \
	    --warmup 10 $(SOAK_ARGS)

sidecar-valgrind: soak-deps sidecar
	CCLINK_BUILD=$(BUILD) $(SOAK_PYTHON) $(SOAK_SRC)/sidecar_valgrind.py
