# Client setup (what the sidecar writes for laptops): included by the
# top-level Makefile.
#
#   make client-test    hosts-apply.sh on the shared hosts case table
#                       under dash, bash --posix and busybox sh, plus the
#                       client folder, DNS setup files and their
#                       dnsmasq/unbound check (about 1 minute)

.PHONY: client-test

client-test: $(SIDECAR_BIN)
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider \
	    $(PYTEST_ARGS) tests/client
