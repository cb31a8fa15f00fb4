# cclink-sidecar: included by the top-level Makefile.
#
#   make sidecar        build $(BUILD)/sidecar/cclink-sidecar
#   make sidecar-unit   build and run the sidecar's C unit tests
#   make sidecar-integration   pytest tests/sidecar/integration/test_sidecar_*

SIDECAR_DIR    := sidecar
SIDECAR_BUILD  := $(BUILD)/sidecar
SIDECAR_BIN    := $(SIDECAR_BUILD)/cclink-sidecar
SIDECAR_UNIT   := $(SIDECAR_BUILD)/cclink-sidecar-unit
SIDECAR_PKGS   := libcurl jansson rdkafka libssl libcrypto libpcre2-8
# the version is cclink_common.h's CCLINK_VERSION; packaging passes its own
SIDECAR_VERSION ?=

SIDECAR_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread \
                  -I$(SIDECAR_DIR) -I$(MODULE_DIR) \
                  $(if $(SIDECAR_VERSION),-DCCLINK_VERSION='"$(SIDECAR_VERSION)"') \
                  $(shell pkg-config --cflags $(SIDECAR_PKGS) 2>/dev/null)
SIDECAR_LIBS   := $(shell pkg-config --libs $(SIDECAR_PKGS) 2>/dev/null \
                    || echo -lcurl -ljansson -lrdkafka -lssl -lcrypto \
                            -lpcre2-8) -pthread

# everything but main(): shared by the binary and the unit tests
SIDECAR_LIB_SRCS := $(filter-out $(SIDECAR_DIR)/ccl_main.c, \
                      $(wildcard $(SIDECAR_DIR)/*.c))
SIDECAR_HDRS     := $(wildcard $(SIDECAR_DIR)/*.h) $(MODULE_DIR)/cclink_routes.h \
                    $(MODULE_DIR)/cclink_pac.h

# the route table parser is the module's own, so that what the sidecar
# writes is checked exactly as nginx will read it
SIDECAR_RT_OBJS  := $(patsubst $(MODULE_DIR)/%.c,$(SIDECAR_BUILD)/obj/%.o, \
                      $(RT_SRCS))
SIDECAR_LIB_OBJS := $(patsubst $(SIDECAR_DIR)/%.c,$(SIDECAR_BUILD)/obj/%.o, \
                      $(SIDECAR_LIB_SRCS)) $(SIDECAR_RT_OBJS) \
                    $(SIDECAR_BUILD)/obj/cclink_pac.o

SIDECAR_TEST_DIR  := tests/sidecar/unit
SIDECAR_TEST_SRCS := $(wildcard $(SIDECAR_TEST_DIR)/*.c)
SIDECAR_TEST_OBJS := $(patsubst $(SIDECAR_TEST_DIR)/%.c, \
                       $(SIDECAR_BUILD)/test/%.o, \
                       $(SIDECAR_TEST_SRCS))
SIDECAR_TEST_OBJS += $(SIDECAR_BUILD)/test/ctest.o

.PHONY: sidecar sidecar-unit sidecar-integration

all: sidecar

sidecar: $(SIDECAR_BIN)

$(SIDECAR_BUILD)/obj/%.o: $(SIDECAR_DIR)/%.c $(SIDECAR_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -c -o $@ $<

$(SIDECAR_RT_OBJS): $(SIDECAR_BUILD)/obj/%.o: $(MODULE_DIR)/%.c \
                    $(wildcard $(MODULE_DIR)/cclink_routes*.h) \
                    $(MODULE_DIR)/cclink_common.h
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -c -o $@ $<

# the PAC renderer is the module's own too (ccl_pac.h)
$(SIDECAR_BUILD)/obj/cclink_pac.o: $(MODULE_DIR)/cclink_pac.c \
                                   $(MODULE_DIR)/cclink_pac.h \
                                   $(MODULE_DIR)/cclink_routes.h
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -c -o $@ $<

$(SIDECAR_BUILD)/obj/ccl_main.o: $(SIDECAR_DIR)/ccl_main.c $(SIDECAR_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -c -o $@ $<

$(SIDECAR_BIN): $(SIDECAR_BUILD)/obj/ccl_main.o $(SIDECAR_LIB_OBJS)
	$(CC) $(SIDECAR_CFLAGS) $(LDFLAGS) -o $@ $^ $(SIDECAR_LIBS)

$(SIDECAR_BUILD)/test/%.o: tests/sidecar/unit/%.c $(SIDECAR_HDRS) \
                           $(wildcard tests/sidecar/unit/*.h) \
                           tests/lib/ctest.h
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -Itests/sidecar/unit -Itests/lib -c -o $@ $<

# the unit-test harness shared with the module's unit tests
$(SIDECAR_BUILD)/test/ctest.o: tests/lib/ctest.c tests/lib/ctest.h
	@mkdir -p $(dir $@)
	$(CC) $(SIDECAR_CFLAGS) -Itests/lib -c -o $@ $<

$(SIDECAR_UNIT): $(SIDECAR_TEST_OBJS) $(SIDECAR_LIB_OBJS)
	$(CC) $(SIDECAR_CFLAGS) -o $@ $^ $(SIDECAR_LIBS)

sidecar-unit: $(SIDECAR_UNIT)
	CCL_TEST_DIR=$(CURDIR)/tests/sidecar/unit $(SIDECAR_UNIT)

sidecar-integration: $(SIDECAR_BIN)
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider \
	    $(PYTEST_ARGS) $(wildcard tests/sidecar/integration/test_sidecar_*.py)
