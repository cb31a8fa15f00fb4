"""The Confluent Cloud simulator used by cclink's integration tests.

    ccloud_api.py    control-plane API (api.confluent.cloud) over HTTPS
    endpoint.py      a private endpoint: stock nginx terminating TLS, SNI routing
    rest_backend.py  Kafka REST v3 (topics, cluster links, mirrors) with CORS
    scenario.py      scenario files: loading, validation, derived names
    harness.py       start/stop helpers for tests; fixtures.py wraps them

See README.md in this directory.
"""
