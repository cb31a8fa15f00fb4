# Benchmarks: cclink against direct, stock nginx (ssl_preread + map) and
# HAProxy (req.ssl_sni + map, with and without splice), on loopback.
#
#   make bench           the full run: every scenario, 5 runs each
#   make bench-quick     a short run (under 2 minutes): checks that the
#                        harness and every contender work
#   make bench-tools     only build the load generator and the backend
#
# BENCH_ARGS passes options to tests/bench/run.py (see --help), e.g.
#   make bench BENCH_ARGS="--runs 7 --scenarios bulk-1,latency"
# Results go to build/bench/<time>/ (results.json, results.md, logs) and
# build/bench/latest.{json,md}. docs/BENCHMARKS.md explains them.

# the same default as the top-level Makefile, should this be read first
BUILD         ?= $(CURDIR)/build

BENCH_SRC     := tests/bench
BENCH_OUT     := $(BUILD)/bench
BENCH_CC      ?= $(CC)
BENCH_CFLAGS  ?= -g -O2
BENCH_WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wpointer-arith
BENCH_PYTHON  ?= /usr/bin/python3
BENCH_ARGS    ?=

BENCH_LOAD     := $(BENCH_OUT)/bench-load
BENCH_BACKEND  := $(BENCH_OUT)/bench-backend
BENCH_SELFTEST := $(BENCH_OUT)/bench-selftest

.PHONY: bench bench-quick bench-tools bench-selftest

# run.py refuses a tool older than any source here: rebuild on any of them
BENCH_ALL_SRCS := $(wildcard $(BENCH_SRC)/*.c $(BENCH_SRC)/*.h)

$(BENCH_LOAD): $(BENCH_SRC)/bench_load.c tests/lib/hello.c tests/lib/hello.h \
               $(BENCH_ALL_SRCS)
	mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) -Itests/lib -pthread -o $@ \
	    $(BENCH_SRC)/bench_load.c tests/lib/hello.c

$(BENCH_BACKEND): $(BENCH_SRC)/bench_backend.c $(BENCH_ALL_SRCS)
	mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) -pthread -o $@ \
	    $(BENCH_SRC)/bench_backend.c

$(BENCH_SELFTEST): $(BENCH_SRC)/bench_selftest.c tests/lib/hello.c \
                   tests/lib/hello.h \
                   ngx_cclink_module/cclink_hello.c \
                   ngx_cclink_module/cclink_hello.h
	mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) -Ingx_cclink_module \
	    -Itests/lib -o $@ $(BENCH_SRC)/bench_selftest.c tests/lib/hello.c \
	    ngx_cclink_module/cclink_hello.c

bench-tools: $(BENCH_LOAD) $(BENCH_BACKEND) $(BENCH_SELFTEST)

bench-selftest: $(BENCH_SELFTEST)
	$(BENCH_SELFTEST)

bench: deps
	$(MAKE) module bench-tools
	$(MAKE) bench-selftest
	$(BENCH_PYTHON) $(BENCH_SRC)/run.py --build $(BUILD) $(BENCH_ARGS)

bench-quick: deps
	$(MAKE) module bench-tools
	$(MAKE) bench-selftest
	$(BENCH_PYTHON) $(BENCH_SRC)/run.py --build $(BUILD) --quick \
	    $(BENCH_ARGS)
