# Fuzzing and sanitizer runs: included by the top-level Makefile.
#
#   make fuzz          every fuzz target for FUZZ_SECONDS (default 60) each
#   make fuzz-ci       every fuzz target for FUZZ_CI_SECONDS (default 20)
#   make fuzz-regress  replays the kept inputs (tests/fuzz/regressions/ and
#                      the seed corpora) through the targets, built with the
#                      system compiler and ASan/UBSan, without libFuzzer
#   make unit-asan     the C unit tests (tests/module/unit) under ASan/UBSan
#   make sidecar-unit-asan  the sidecar's C unit tests (tests/sidecar/unit) too
#   make fuzz-build    builds the libFuzzer binaries only
#   make fuzz-coverage source coverage of the parsers by the seed corpora and
#                      what the fuzzers found (llvm-cov report)
#   make fuzz-T        one target (T as in FUZZ_TARGETS) for FUZZ_SECONDS
#
# fuzz and fuzz-ci exit non-zero when a target crashes, leaks, hangs or
# breaks an invariant; the input is kept under $(FUZZ_BUILD)/artifacts/T/
# and the replay command is printed (see tests/fuzz/README.md).
#
# Needs clang-14 and libclang-rt-14-dev (tools/deps.d/fuzz.txt); the
# sidecar targets need the sidecar's libraries (tools/deps.d/*.txt).

FUZZ_DIR         := tests/fuzz
FUZZ_BUILD       := $(BUILD)/fuzz
FUZZ_CC          ?= clang-14
FUZZ_SECONDS     ?= 60
FUZZ_CI_SECONDS  ?= 20
FUZZ_LLVM_COV    ?= llvm-cov-14
FUZZ_LLVM_PROF   ?= llvm-profdata-14

FUZZ_SAN         := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_ASAN_OPTIONS ?= detect_leaks=1:strict_string_checks=1:$(strip \
                     )detect_stack_use_after_return=1
FUZZ_COMMON      := -g -O1 -fno-omit-frame-pointer $(WARN) \
                    -I$(MODULE_DIR) -I$(FUZZ_DIR)
# objects for libFuzzer binaries: instrumented for coverage, no main
FUZZ_FZ_FLAGS    := $(FUZZ_COMMON) $(FUZZ_SAN) -fsanitize=fuzzer-no-link
# objects for the standalone replay binaries (the system compiler)
FUZZ_CC_FLAGS    := $(FUZZ_COMMON) $(FUZZ_SAN)
# objects for coverage reports
FUZZ_COV_FLAGS   := $(FUZZ_COMMON) -fprofile-instr-generate -fcoverage-mapping

FUZZ_MODULE_TARGETS := routes hello hello_gen dns connect

FUZZ_SRCS_routes    := $(RT_SRCS)
FUZZ_LIBS_routes    := -lpcre2-8
FUZZ_SRCS_hello     := $(MODULE_DIR)/cclink_hello.c
FUZZ_SRCS_hello_gen := $(MODULE_DIR)/cclink_hello.c
FUZZ_SRCS_dns       := $(MODULE_DIR)/cclink_dns.c $(RT_SRCS)
FUZZ_LIBS_dns       := -lpcre2-8
FUZZ_SRCS_connect   := $(MODULE_DIR)/cclink_connect_parse.c

# the sidecar's targets, when its sources are there
ifneq ($(wildcard sidecar/ccl_conf.h sidecar/ccl_hosts.h sidecar/ccl_model.h),)
FUZZ_SIDECAR_TARGETS := sidecar_conf sidecar_hosts sidecar_model sidecar_log
FUZZ_SIDECAR_PKGS    := libcurl jansson rdkafka libssl libcrypto libpcre2-8
FUZZ_SIDECAR_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -pthread -Isidecar \
                        -Itests/sidecar/unit -Itests/lib \
                        $(shell pkg-config --cflags $(FUZZ_SIDECAR_PKGS) \
                                2>/dev/null)
FUZZ_SIDECAR_LIBS    := $(shell pkg-config --libs $(FUZZ_SIDECAR_PKGS) \
                                2>/dev/null || echo -lcurl -ljansson \
                                -lrdkafka -lssl -lcrypto -lpcre2-8) -pthread
# everything but main(), and the module's route table parser
FUZZ_SIDECAR_SRCS    := $(filter-out sidecar/ccl_main.c, \
                          $(wildcard sidecar/*.c)) \
                        $(RT_SRCS) \
                        $(MODULE_DIR)/cclink_pac.c
$(foreach t,$(FUZZ_SIDECAR_TARGETS), \
  $(eval FUZZ_SRCS_$(t) := $(FUZZ_SIDECAR_SRCS)) \
  $(eval FUZZ_LIBS_$(t) := $(FUZZ_SIDECAR_LIBS)) \
  $(eval FUZZ_XFLAGS_$(t) := $(FUZZ_SIDECAR_CFLAGS)))
endif

FUZZ_TARGETS := $(FUZZ_MODULE_TARGETS) $(FUZZ_SIDECAR_TARGETS)
FUZZ_HDRS    := $(wildcard $(FUZZ_DIR)/*.h $(MODULE_DIR)/*.h sidecar/*.h)

FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_REGRESS_BINS := $(patsubst %,$(FUZZ_BUILD)/regress_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-ci fuzz-build fuzz-regress fuzz-regress-build \
        fuzz-coverage unit-asan sidecar-unit-asan \
        $(patsubst %,fuzz-%,$(FUZZ_TARGETS))

# one object per source and flavour (fz: libFuzzer, cc: standalone,
# cov: coverage); the sidecar's flags apply to every source of a sidecar
# target, harmlessly to the module's parser
$(FUZZ_BUILD)/fz/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FZ_FLAGS) $(FUZZ_XFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/cc/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CC_FLAGS) $(FUZZ_XFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/cov/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COV_FLAGS) $(FUZZ_XFLAGS) -c -o $@ $<

define FUZZ_TARGET_RULES
FUZZ_OBJS_$(1) := $(FUZZ_DIR)/fuzz_$(1).c $(FUZZ_SRCS_$(1))

$(FUZZ_BUILD)/fuzz_$(1): FUZZ_XFLAGS := $(FUZZ_XFLAGS_$(1))
$(FUZZ_BUILD)/fuzz_$(1): \
        $$(patsubst %.c,$(FUZZ_BUILD)/fz/%.o,$$(FUZZ_OBJS_$(1)))
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $(FUZZ_LIBS_$(1))

$(FUZZ_BUILD)/regress_$(1): FUZZ_XFLAGS := $(FUZZ_XFLAGS_$(1))
$(FUZZ_BUILD)/regress_$(1): \
        $$(patsubst %.c,$(FUZZ_BUILD)/cc/%.o,$$(FUZZ_OBJS_$(1)) \
                                          $(FUZZ_DIR)/standalone.c)
	$(CC) $(FUZZ_SAN) -o $$@ $$^ $(FUZZ_LIBS_$(1))

$(FUZZ_BUILD)/cov_$(1): FUZZ_XFLAGS := $(FUZZ_XFLAGS_$(1))
$(FUZZ_BUILD)/cov_$(1): \
        $$(patsubst %.c,$(FUZZ_BUILD)/cov/%.o,$$(FUZZ_OBJS_$(1)) \
                                           $(FUZZ_DIR)/standalone.c)
	$(FUZZ_CC) -fprofile-instr-generate -o $$@ $$^ $(FUZZ_LIBS_$(1))

fuzz-$(1): $(FUZZ_BUILD)/fuzz_$(1)
	$(FUZZ_DIR)/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(1)
endef

$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_TARGET_RULES,$(t))))

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(FUZZ_DIR)/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-ci: $(FUZZ_BINS)
	$(FUZZ_DIR)/run-fuzz.sh $(FUZZ_CI_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-regress-build: $(FUZZ_REGRESS_BINS)

# every kept input, once, under ASan/UBSan (LeakSanitizer included)
fuzz-regress: $(FUZZ_REGRESS_BINS)
	@failed=; for t in $(FUZZ_TARGETS); do \
	    dirs=; \
	    for d in $(FUZZ_DIR)/regressions/$$t $(FUZZ_DIR)/corpus/$$t; do \
	        if [ -d $$d ]; then dirs="$$dirs $$d"; fi; \
	    done; \
	    if [ -z "$$dirs" ]; then echo "fuzz-regress: $$t: no inputs"; \
	        continue; fi; \
	    UBSAN_OPTIONS=print_stacktrace=1 \
	        $(FUZZ_BUILD)/regress_$$t $$dirs || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then \
	    echo "fuzz-regress: failed:$$failed" >&2; exit 1; fi

# coverage of the code under test by the seeds and by what fuzzing found
# (the sources each target is about)
FUZZ_COV_routes        := $(RT_SRCS)
FUZZ_COV_hello         := $(MODULE_DIR)/cclink_hello.c
FUZZ_COV_hello_gen     := $(MODULE_DIR)/cclink_hello.c
FUZZ_COV_dns           := $(MODULE_DIR)/cclink_dns.c
FUZZ_COV_connect       := $(MODULE_DIR)/cclink_connect_parse.c
FUZZ_COV_sidecar_conf  := sidecar/ccl_conf.c sidecar/ccl_conf_check.c \
                          sidecar/ccl_cred.c sidecar/ccl_buf.c
FUZZ_COV_sidecar_hosts := sidecar/ccl_hosts.c
FUZZ_COV_sidecar_model := sidecar/ccl_model.c sidecar/ccl_model_json.c \
                          sidecar/ccl_model_cluster.c \
                          sidecar/ccl_model_network.c sidecar/ccl_target.c \
                          sidecar/ccl_plan.c sidecar/ccl_plan_merge.c \
                          sidecar/ccl_render.c
FUZZ_COV_sidecar_log   := sidecar/ccl_log.c

fuzz-coverage: $(patsubst %,$(FUZZ_BUILD)/cov_%,$(FUZZ_TARGETS))
	@set -e; rm -rf $(FUZZ_BUILD)/profiles; \
	mkdir -p $(FUZZ_BUILD)/profiles; \
	for t in $(FUZZ_TARGETS); do \
	    dirs=; \
	    for d in $(FUZZ_DIR)/regressions/$$t $(FUZZ_DIR)/corpus/$$t \
	             $(FUZZ_BUILD)/corpus/$$t; do \
	        if [ -d $$d ]; then dirs="$$dirs $$d"; fi; \
	    done; \
	    [ -n "$$dirs" ] || continue; \
	    srcs=; \
	    $(foreach x,$(FUZZ_TARGETS),[ $$t = $(x) ] && srcs="$(FUZZ_COV_$(x))"; ) \
	    LLVM_PROFILE_FILE=$(FUZZ_BUILD)/profiles/$$t.profraw \
	        $(FUZZ_BUILD)/cov_$$t $$dirs > /dev/null 2>&1 || true; \
	    $(FUZZ_LLVM_PROF) merge -sparse \
	        -o $(FUZZ_BUILD)/profiles/$$t.profdata \
	        $(FUZZ_BUILD)/profiles/$$t.profraw; \
	    echo "== $$t (inputs from:$$dirs)"; \
	    $(FUZZ_LLVM_COV) report $(FUZZ_BUILD)/cov_$$t \
	        -instr-profile=$(FUZZ_BUILD)/profiles/$$t.profdata $$srcs; \
	done

# ---------------------------------------------------------------------------
# the C unit tests under ASan and UBSan

FUZZ_UNIT_ASAN      := $(FUZZ_BUILD)/unit-asan/cclink_unit
FUZZ_UNIT_ASAN_SRCS := $(wildcard tests/module/unit/*.c) \
                       $(RT_SRCS) \
                       $(MODULE_DIR)/cclink_hello.c \
                       $(MODULE_DIR)/cclink_dns.c \
                       $(MODULE_DIR)/cclink_connect_parse.c \
                       $(MODULE_DIR)/cclink_pac.c \
                       tests/lib/ctest.c tests/lib/hello.c

$(FUZZ_UNIT_ASAN): $(FUZZ_UNIT_ASAN_SRCS) \
                   $(wildcard tests/lib/*.h $(MODULE_DIR)/*.h)
	@mkdir -p $(dir $@)
	$(CC) -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(WARN) \
	    -I$(MODULE_DIR) -Itests/lib -o $@ $(FUZZ_UNIT_ASAN_SRCS) \
	    -lpcre2-8

unit-asan: $(FUZZ_UNIT_ASAN)
	ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) \
	UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_UNIT_ASAN)

# the sidecar's C unit tests under ASan and UBSan (same objects as the
# sidecar targets' replay binaries)
ifneq ($(FUZZ_SIDECAR_TARGETS),)
FUZZ_SIDECAR_UNIT := $(FUZZ_BUILD)/sidecar-unit-asan
FUZZ_SIDECAR_UNIT_SRCS := $(wildcard tests/sidecar/unit/*.c) \
                          tests/lib/ctest.c $(FUZZ_SIDECAR_SRCS)

$(FUZZ_SIDECAR_UNIT): FUZZ_XFLAGS := $(FUZZ_SIDECAR_CFLAGS)
$(FUZZ_SIDECAR_UNIT): \
        $(patsubst %.c,$(FUZZ_BUILD)/cc/%.o,$(FUZZ_SIDECAR_UNIT_SRCS)) \
                      $(wildcard tests/sidecar/unit/*.h tests/lib/*.h)
	$(CC) $(FUZZ_SAN) -o $@ $(filter %.o,$^) $(FUZZ_SIDECAR_LIBS)

sidecar-unit-asan: $(FUZZ_SIDECAR_UNIT)
	ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) \
	UBSAN_OPTIONS=print_stacktrace=1 \
	CCL_TEST_DIR=$(CURDIR)/tests/sidecar/unit $(FUZZ_SIDECAR_UNIT)
else
sidecar-unit-asan:
	@echo "sidecar-unit-asan: no sidecar sources here"
endif
