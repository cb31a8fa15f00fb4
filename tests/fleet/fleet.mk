# Several proxy hosts behind a load balancer: included by the top-level
# Makefile.
#
#   make fleet-test     the identical-outputs test (sidecars against the
#                       simulator), the failover test (HAProxy and two
#                       proxy hosts in network namespaces; needs root)
#                       and the Prometheus rules' checks (about 2 min;
#                       the health endpoint's tests run with
#                       "make integration")

.PHONY: fleet-test

fleet-test: module sidecar kafka-sim
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider -rsxX \
	    $(PYTEST_ARGS) tests/fleet
