# The Confluent Cloud simulator (tests/sim): control-plane API, private
# endpoint (stock nginx) and Kafka REST backend. Python standard library
# only; nothing to build.
#
#   make sim-test        the simulator's tests (tests/sim/selftest)
#   make sim-check       validate the scenario files
#   make sim-api         run the API simulator in the foreground with both
#                        scenarios (SIM_LISTEN, SIM_SCENARIOS, SIM_DIR)
#
# Included by the top-level Makefile; also usable on its own from the top
# of the repository: make -f tests/sim/sim.mk sim-test

BUILD         ?= $(CURDIR)/build
SIM_PYTHON    ?= $(or $(wildcard /usr/bin/python3),python3)
SIM_DIR       ?= $(BUILD)/sim/api
SIM_LISTEN    ?= 127.0.0.1:8443
SIM_SCENARIOS ?= tests/sim/scenarios/aws-dedicated.json \
                 tests/sim/scenarios/azure-centralus.json
SIM_TESTS     := $(wildcard tests/sim/selftest/test_sim_*.py)

.PHONY: sim-test sim-check sim-api

sim-test: sim-check
	CCLINK_BUILD=$(BUILD) $(SIM_PYTHON) -m pytest -q -p no:cacheprovider \
	    $(PYTEST_ARGS) $(SIM_TESTS)

sim-check:
	$(SIM_PYTHON) tests/sim/scenario.py check \
	    $(wildcard tests/sim/scenarios/*.json)

sim-api:
	mkdir -p $(SIM_DIR)
	$(SIM_PYTHON) -c 'import sys; sys.path.insert(0, "tests"); \
	    from sim.harness import SimCA; \
	    SimCA("$(SIM_DIR)/ca").server_cert()'
	@echo "CA: $(SIM_DIR)/ca/ca.pem  key: SIMCLOUDKEY / sim-cloud-secret"
	$(SIM_PYTHON) tests/sim/ccloud_api.py \
	    $(foreach s,$(SIM_SCENARIOS),--scenario $(s)) \
	    --cert $(SIM_DIR)/ca/ccloud-api.pem --key $(SIM_DIR)/ca/ccloud-api.key \
	    --listen $(SIM_LISTEN) --port-file $(SIM_DIR)/port
