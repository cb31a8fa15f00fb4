# The DNS server in the module: included by the top-level Makefile.
#
#   make dns-asan     tests/integration/test_dns.py against the module
#                     built with ASan/UBSan (make module-asan)
#   make dns-e2e      the end-to-end laptop whose only name service is the
#                     proxy's DNS (tests/e2e/test_e2e_dns.py)
#   make kafkajs      the kafkajs npm package into build/node_modules
#                     (idempotent), for the end-to-end test's KafkaJS client
#
# test_dns.py also runs in "make integration" with the plain build.

.PHONY: dns-asan dns-e2e kafkajs

dns-asan: module-asan
	CCLINK_BUILD=$(ASAN_BUILD) \
	CCLINK_PRELOAD="$$($(CC) -print-file-name=libasan.so) \
	                $$($(CC) -print-file-name=libubsan.so)" \
	    $(PYTEST) -q -p no:cacheprovider $(PYTEST_ARGS) \
	    tests/integration/test_dns.py
