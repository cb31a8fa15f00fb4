# cclink: top-level build.
#
#   make deps        install the Debian packages the build and tests need
#   make             build the nginx module (and the sidecar)
#   make test        install, build and run every test (what CI runs)
#   make demo        the main job: simulator, nginx with the module, sidecar
#
# Everything built goes under build/ (git-ignored).

SHELL      := /bin/bash
BUILD      ?= $(CURDIR)/build
NGX_SRC    ?= /usr/share/nginx/src
NGX_BUILD  := $(BUILD)/nginx
MODULE_SO  := $(BUILD)/modules/ngx_stream_cclink_module.so
# the http modules (status page, health, PAC): loaded after MODULE_SO
HTTP_SO    := $(BUILD)/modules/ngx_http_cclink_module.so
CC         ?= cc
CFLAGS     ?= -g -O2
WARN       := -Wall -Wextra -Wno-unused-parameter -Wpointer-arith \
              -Wshadow -Wstrict-prototypes
# extra compiler flags for the module (the sanitizer build sets them)
MODULE_CC_OPT ?=
MODULE_LD_OPT ?=

MODULE_DIR := ngx_cclink_module
# the route table library (parser, blob, matcher), plain C: shared by the
# module, the sidecar, the unit tests and the fuzzers
RT_SRCS    := $(MODULE_DIR)/cclink_routes_parse.c \
              $(MODULE_DIR)/cclink_routes_build.c \
              $(MODULE_DIR)/cclink_routes_match.c
MODULE_SRCS := $(wildcard $(MODULE_DIR)/*.c $(MODULE_DIR)/*.h) config

.PHONY: all module deps test unit integration clean demo demo-check \
        module-asan integration-asan integration-pass style

all: module

deps:
	./tools/install-deps.sh

module: $(MODULE_SO) $(HTTP_SO)

# Configure a private copy of Debian's nginx sources (nginx-dev) with the
# flags the distribution's nginx was built with, so that the module's
# signature matches and load_module accepts it.
$(NGX_BUILD)/objs/Makefile: config
	@test -f $(NGX_SRC)/conf_flags || \
	    { echo "missing $(NGX_SRC)/conf_flags: run 'make deps'" >&2; exit 1; }
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -a $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && source ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-stream=dynamic \
	        --with-cc-opt="-g -O2 -fPIC -Wall $(MODULE_CC_OPT)" \
	        --with-ld-opt="-fPIC $(MODULE_LD_OPT)" \
	        --add-dynamic-module=$(CURDIR) > $(BUILD)/nginx-configure.log 2>&1 \
	    || { tail -20 $(BUILD)/nginx-configure.log; exit 1; }

# the new file is renamed into place: an nginx still running the old module
# keeps its mapping (a copy over it in place would crash its workers)
$(MODULE_SO) $(HTTP_SO): $(BUILD)/modules/%.so: $(NGX_BUILD)/objs/Makefile \
                                               $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_BUILD) -f objs/Makefile objs/$*.so
	mkdir -p $(dir $@)
	cp $(NGX_BUILD)/objs/$*.so $@.tmp
	mv -f $@.tmp $@

# ---------------------------------------------------------------------------
# unit tests: plain C, no nginx

UNIT_BIN := $(BUILD)/unit/cclink_unit
UNIT_DIR := tests/module/unit
UNIT_SRCS := $(UNIT_DIR)/unit_main.c $(UNIT_DIR)/test_routes.c \
             $(UNIT_DIR)/test_hello.c \
             $(RT_SRCS) $(MODULE_DIR)/cclink_hello.c \
             $(UNIT_DIR)/test_dns.c $(MODULE_DIR)/cclink_dns.c
UNIT_SRCS += $(UNIT_DIR)/test_connect_parse.c $(UNIT_DIR)/test_pac.c \
             $(MODULE_DIR)/cclink_connect_parse.c $(MODULE_DIR)/cclink_pac.c
UNIT_SRCS += tests/lib/ctest.c tests/lib/hello.c

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard tests/lib/*.h $(MODULE_DIR)/*.h)
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -I$(MODULE_DIR) -Itests/lib \
	    -o $@ $(UNIT_SRCS) -lpcre2-8

unit: $(UNIT_BIN)
	$(UNIT_BIN)

# ---------------------------------------------------------------------------
# integration and end-to-end tests: real nginx, real clients (pytest)

PYTEST ?= /usr/bin/python3 -m pytest
PYTEST_ARGS ?=

# the module's, the sidecar's and the simulator's integration tests
INTEGRATION_DIRS := tests/module/integration tests/sidecar/integration \
                    tests/sim/selftest

integration: module
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider \
	    $(PYTEST_ARGS) $(INTEGRATION_DIRS)

# the module's test files again, with the module's own relay (cclink_pass)
# in place of proxy_pass
MODULE_ITEST := tests/module/integration
MODULE_TESTS := $(MODULE_ITEST)/test_routing.py \
                $(MODULE_ITEST)/test_reload.py \
                $(MODULE_ITEST)/test_failover.py \
                $(MODULE_ITEST)/test_templates.py \
                $(MODULE_ITEST)/test_status.py \
                $(MODULE_ITEST)/test_status_page.py \
                $(MODULE_ITEST)/test_pass.py \
                $(MODULE_ITEST)/test_robust.py \
                $(MODULE_ITEST)/test_connect.py

integration-pass: module
	CCLINK_BUILD=$(BUILD) CCLINK_TEST_RELAY=pass $(PYTEST) -q \
	    -p no:cacheprovider $(PYTEST_ARGS) $(MODULE_TESTS)

# the module built with AddressSanitizer and UBSan, loaded into the
# distribution's nginx with the sanitizer runtimes preloaded
ASAN_BUILD := $(CURDIR)/build/asan
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer

module-asan:
	$(MAKE) module BUILD=$(ASAN_BUILD) MODULE_CC_OPT="$(SAN_FLAGS)" \
	    MODULE_LD_OPT="-fsanitize=address,undefined"

integration-asan: module-asan
	CCLINK_BUILD=$(ASAN_BUILD) \
	CCLINK_PRELOAD="$$($(CC) -print-file-name=libasan.so) \
	                $$($(CC) -print-file-name=libubsan.so)" \
	    $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) $(MODULE_TESTS)
	CCLINK_BUILD=$(ASAN_BUILD) CCLINK_TEST_RELAY=pass \
	CCLINK_PRELOAD="$$($(CC) -print-file-name=libasan.so) \
	                $$($(CC) -print-file-name=libubsan.so)" \
	    $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) $(MODULE_TESTS)

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) unit-asan
	$(MAKE) sidecar-unit
	$(MAKE) sidecar-unit-asan
	$(MAKE) fuzz-regress
	$(MAKE) kafka-sim-test
	$(MAKE) integration
	$(MAKE) integration-pass
	$(MAKE) e2e
	$(MAKE) client-test
	$(MAKE) integration-asan
	$(MAKE) dns-asan
	$(MAKE) sidecar-valgrind
	$(MAKE) soak-ci
	$(MAKE) fuzz-ci
	$(MAKE) fleet-test

# the main job: the Confluent Cloud simulator (or a real organization,
# CCLINK_CONFIG=...), nginx with the module and cclink-sidecar
demo: deps
	$(MAKE) module sidecar kafka-sim
	/usr/bin/python3 tools/demo.py --no-build

demo-check: deps
	$(MAKE) module sidecar kafka-sim
	/usr/bin/python3 tools/demo.py --no-build --check

-include sidecar/sidecar.mk
-include tests/sim/sim.mk
-include tests/sim/kafka/kafka.mk
-include tests/fuzz/fuzz.mk
-include packer/image.mk
-include tests/e2e/e2e.mk
-include tests/soak/soak.mk
-include tests/bench/bench.mk
-include tests/fleet/fleet.mk
-include tests/client/client.mk
-include tests/dns/dns.mk
-include tests/bench/bench_connect.mk

# the project's style check (tools/checksrc.py) and its own tests
style: deps
	/usr/bin/python3 tools/checksrc.py
	$(PYTEST) -q -p no:cacheprovider tests/tools

clean:
	rm -rf $(BUILD)
