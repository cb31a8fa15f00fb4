# End-to-end tests (tests/e2e): the simulator, proxy hosts (nginx with the
# module, or stock nginx with the sidecar's include, each with
# cclink-sidecar) and real clients (kcat, curl, headless Chromium) on
# loopback. Needs root (ports 443/9092 on 127.x addresses, private mount
# namespaces for the clients' /etc/hosts).
#
#   make e2e                    build what they need, run them
#   make e2e PYTEST_ARGS=-x     pytest arguments as usual
#
# Screenshots go to tests/artifacts/ (git-ignored). CCLINK_E2E_KEEP=1
# keeps the run's files (logs, generated files) and prints where.
#
# Included by the top-level Makefile (which defines BUILD, PYTEST and the
# module, sidecar and kafka-sim targets).

E2E_DIR := tests/e2e

.PHONY: e2e e2e-deps

e2e-deps:
	./tools/install-deps.sh tools/deps.d/e2e.txt

e2e: e2e-deps module sidecar kafka-sim
	CCLINK_BUILD=$(BUILD) $(PYTEST) -q -p no:cacheprovider -rs \
	    --durations=5 $(PYTEST_ARGS) $(E2E_DIR)
