# The Kafka simulator: librdkafka built from Debian's source (for the mock
# cluster API of 2.9 and later) and the mock_cluster program.
#
#   make librdkafka        build/librdkafka/ (tools/build-librdkafka.sh)
#   make kafka-sim         build/sim/kafka/mock_cluster
#   make kafka-sim-test    its tests (pytest tests/sim/kafka)
#
# Included by the top-level Makefile; also usable on its own from the top
# of the repository: make -f tests/sim/kafka/kafka.mk kafka-sim

BUILD      ?= $(CURDIR)/build
CC         ?= cc
CFLAGS     ?= -g -O2
PYTEST     ?= $(or $(wildcard /usr/bin/python3),python3) -m pytest
PYTEST_ARGS ?=

KAFKA_SIM_DIR  := tests/sim/kafka
RDKAFKA_PREFIX := $(BUILD)/librdkafka
RDKAFKA_LIB    := $(RDKAFKA_PREFIX)/lib/librdkafka.a
MOCK_CLUSTER   := $(BUILD)/sim/kafka/mock_cluster
KAFKA_SIM_WARN := -Wall -Wextra -Wno-unused-parameter -Wpointer-arith \
                  -Wshadow -Wstrict-prototypes

.PHONY: librdkafka kafka-sim kafka-sim-test kafka-sim-force

librdkafka: $(RDKAFKA_LIB)

# The script decides whether its cache is current (a few milliseconds when
# it is); make then relinks mock_cluster only if the library changed.
$(RDKAFKA_LIB): kafka-sim-force
	@BUILD=$(BUILD) ./tools/build-librdkafka.sh

kafka-sim-force:

kafka-sim: $(MOCK_CLUSTER)

$(MOCK_CLUSTER): $(KAFKA_SIM_DIR)/mock_cluster.c $(RDKAFKA_LIB)
	mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KAFKA_SIM_WARN) -isystem $(RDKAFKA_PREFIX)/include \
	    -o $@ $(KAFKA_SIM_DIR)/mock_cluster.c \
	    $$(PKG_CONFIG_PATH=$(RDKAFKA_PREFIX)/lib/pkgconfig \
	       pkg-config --libs rdkafka-static)

kafka-sim-test: kafka-sim
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider \
	    $(PYTEST_ARGS) $(KAFKA_SIM_DIR)
