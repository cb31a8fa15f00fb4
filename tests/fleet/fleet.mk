# Several proxy hosts behind a load balancer: included by the top-level
# Makefile.
#
#   make fleet-test     the health endpoint's integration tests, the
#                       identical-outputs test (sidecars against the
#                       simulator) and the failover test (HAProxy and two
#                       proxy hosts in network namespaces; needs root),
#                       and the Prometheus rules' checks (about 2 min)

.PHONY: fleet-test

fleet-test: module sidecar kafka-sim
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider -rsxX \
	    $(PYTEST_ARGS) tests/integration/test_health.py tests/fleet
