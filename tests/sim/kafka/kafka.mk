# The Kafka simulator: librdkafka built from Debian's source (for the mock
# cluster API of 2.9 and later) and the mock_cluster program.
#
#   make kafka-sim            build/sim/kafka/mock_cluster
#   make kafka-sim-test       its tests (pytest tests/sim/kafka)
#   make kafka-sim-asan-test  the same tests against an ASan/UBSan build
#   make librdkafka           build/librdkafka/ (tools/build-librdkafka.sh)
#
# Included by the top-level Makefile; also usable on its own from the top
# of the repository: make -f tests/sim/kafka/kafka.mk kafka-sim

BUILD      ?= $(CURDIR)/build
CC         ?= cc
CFLAGS     ?= -g -O2
PYTEST     ?= $(or $(wildcard /usr/bin/python3),python3) -m pytest
PYTEST_ARGS ?=

KAFKA_SIM_DIR     := tests/sim/kafka
RDKAFKA_PREFIX    := $(BUILD)/librdkafka
RDKAFKA_LIB       := $(RDKAFKA_PREFIX)/lib/librdkafka.a
MOCK_CLUSTER      := $(BUILD)/sim/kafka/mock_cluster
MOCK_CLUSTER_ASAN := $(BUILD)/sim/kafka/mock_cluster-asan
KAFKA_SIM_WARN    := -Wall -Wextra -Wno-unused-parameter -Wpointer-arith \
                     -Wshadow -Wstrict-prototypes
KAFKA_SIM_LINK     = -isystem $(RDKAFKA_PREFIX)/include \
                     -o $@ $(KAFKA_SIM_DIR)/mock_cluster.c \
                     $$(PKG_CONFIG_PATH=$(RDKAFKA_PREFIX)/lib/pkgconfig \
                        pkg-config --libs rdkafka-static)

.PHONY: kafka-sim kafka-sim-test kafka-sim-asan-test librdkafka \
        kafka-sim-force

kafka-sim: $(MOCK_CLUSTER)

kafka-sim-test: kafka-sim
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider \
	    $(PYTEST_ARGS) $(KAFKA_SIM_DIR)

kafka-sim-asan-test: $(MOCK_CLUSTER_ASAN)
	CCLINK_BUILD=$(BUILD) CCLINK_MOCK_CLUSTER=$(MOCK_CLUSTER_ASAN) \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) $(KAFKA_SIM_DIR)

librdkafka: $(RDKAFKA_LIB)

# The script decides whether its cache is current (a few milliseconds when
# it is); make then relinks mock_cluster only if the library changed.
$(RDKAFKA_LIB): kafka-sim-force
	@BUILD=$(BUILD) ./tools/build-librdkafka.sh

kafka-sim-force:

$(MOCK_CLUSTER): $(KAFKA_SIM_DIR)/mock_cluster.c $(RDKAFKA_LIB)
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KAFKA_SIM_WARN) $(KAFKA_SIM_LINK)

$(MOCK_CLUSTER_ASAN): $(KAFKA_SIM_DIR)/mock_cluster.c $(RDKAFKA_LIB)
	mkdir -p $(dir $@)
	$(CC) -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	    $(KAFKA_SIM_WARN) $(KAFKA_SIM_LINK)
