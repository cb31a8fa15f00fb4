"""The Confluent Cloud simulator used by cclink's integration tests.

    ccloud_api.py    control-plane API (api.confluent.cloud) over HTTPS
    endpoint.py      private endpoint: stock nginx, TLS terminated, SNI routing
    rest_backend.py  Kafka REST v3 (topics, cluster links, mirrors) with CORS
    scenario.py      scenario files: loading, validation, derived names
    simcore.py       HTTP server plumbing, faults, request log
    harness.py       start/stop helpers for tests; fixtures.py wraps them

See README.md in this directory.

The modules are also command-line programs, which import each other by
plain name ('import scenario'). So that 'sim.endpoint' and 'endpoint' are
one module (one EndpointError class, not two), the package imports them by
plain name and registers each under 'sim.<name>' too.
"""

import importlib
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (_HERE, os.path.dirname(_HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

for _name in ("simcore", "scenario", "endpoint", "ccloud_api",
              "rest_backend", "harness"):
    _mod = importlib.import_module(_name)
    sys.modules[__name__ + "." + _name] = _mod
    globals()[_name] = _mod
