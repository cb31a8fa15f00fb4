# The DNS server in the module: included by the top-level Makefile.
#
#   make dns-asan     tests/module/integration/test_dns.py against the module
#                     built with ASan/UBSan (make module-asan)
#   make dns-e2e      only the end-to-end laptops whose only name service
#                     is the proxy's DNS (tests/e2e/test_e2e_dns*.py: Kafka
#                     clients, Chromium, cross-cloud split DNS; "make
#                     e2e" runs them with the others)
#   make bench-dns    the DNS benchmark (docs/BENCHMARKS.md, not in CI)
#   make kafkajs      the kafkajs npm package into build/kafkajs
#                     (idempotent), for that test's KafkaJS client
#
# test_dns.py also runs in "make integration" with the plain build.

KAFKAJS_VERSION ?= 2.2.4
KAFKAJS_DIR     := $(BUILD)/kafkajs

.PHONY: dns-asan dns-e2e kafkajs

dns-asan: module-asan
	CCLINK_BUILD=$(ASAN_BUILD) \
	CCLINK_PRELOAD="$$($(CC) -print-file-name=libasan.so) \
	                $$($(CC) -print-file-name=libubsan.so)" \
	    $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) \
	    tests/module/integration/test_dns.py

kafkajs: $(KAFKAJS_DIR)/node_modules/kafkajs/package.json

$(KAFKAJS_DIR)/node_modules/kafkajs/package.json:
	command -v npm >/dev/null || ./tools/install-deps.sh \
	    tools/deps.d/node/node.txt
	mkdir -p $(KAFKAJS_DIR)
	npm install --prefix $(KAFKAJS_DIR) --no-audit --no-fund \
	    --no-save kafkajs@$(KAFKAJS_VERSION)

# the end-to-end tests use KafkaJS too
e2e: kafkajs

dns-e2e: e2e-deps module sidecar kafka-sim kafkajs
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider -rs \
	    $(PYTEST_ARGS) $(E2E_DIR)/test_e2e_dns*.py

# the DNS benchmark (not in make test): the module's DNS against dnsmasq
# and Unbound with dnsperf, 10 and 100,000 names (tests/bench/bench_dns.py;
# BENCH_DNS_ARGS, e.g. "--quick" or "--runs 5")
BENCH_DNS_ARGS ?=

.PHONY: bench-dns

bench-dns: module
	/usr/bin/python3 tests/bench/bench_dns.py --build $(BUILD) \
	    $(BENCH_DNS_ARGS)
