# The CONNECT benchmark: cclink's CONNECT entrance against Squid and
# tinyproxy as CONNECT proxies and cclink's own SNI path, one worker each,
# pinned as the other benchmarks are (tests/bench/bench_connect.py).
#
#   make bench-connect        3 runs of 5 s per figure, 2000 idle tunnels
#   make bench-connect-quick  1 short run: checks the harness (CI smoke)
#
# Included by the top-level Makefile after tests/bench/bench.mk.

BENCH_CONNECT := $(BENCH_OUT)/bench-connect

.PHONY: bench-connect bench-connect-quick

$(BENCH_CONNECT): $(BENCH_SRC)/bench_connect.c tests/lib/hello.c \
                  tests/lib/hello.h
	mkdir -p $(dir $@)
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) -Itests/lib -o $@ \
	    $(BENCH_SRC)/bench_connect.c tests/lib/hello.c

bench-connect: deps module $(BENCH_CONNECT) $(BENCH_BACKEND)
	$(BENCH_PYTHON) $(BENCH_SRC)/bench_connect.py --build $(BUILD) \
	    $(BENCH_CONNECT_ARGS)

bench-connect-quick: deps module $(BENCH_CONNECT) $(BENCH_BACKEND)
	$(BENCH_PYTHON) $(BENCH_SRC)/bench_connect.py --build $(BUILD) --quick
