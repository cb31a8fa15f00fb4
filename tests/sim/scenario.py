"""Scenario files: one simulated Confluent Cloud organization.

A scenario is JSON. Resources are written the way the API returns them,
minus what the simulator fills in itself (api_version, kind, metadata.self,
metadata.resource_name, the environment reference, and the full form of
references given as a bare id). Keys that start with '_' are never served:
'_comment' carries notes and citations, '_sim' carries simulator-only data
(the broker list of a Kafka cluster). See README.md, "Scenario format".

This module also describes each API resource kind (path, api_version,
kind, page sizes, filters, references) because the loader validates
against the same table the API server serves from.

Command line:
    scenario.py check FILE...                    validate, print a summary
    scenario.py brokers FILE... --cluster ID     broker list (JSON)
    scenario.py names FILE... --cluster ID       bootstrap/REST/broker names
"""

import argparse
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


class ScenarioError(ValueError):
    """A scenario that cannot be served; the message names file and place."""


@dataclass(frozen=True)
class Filter:
    """A list filter: query parameter -> field of the resource.

    mode: 'multi' (repeatable, any value matches), 'single', or 'bool'.
    Strings compare case-insensitively; a field that is a list matches when
    any element matches; a reference matches by its id.
    """
    field: str
    mode: str = "multi"


@dataclass(frozen=True)
class Ref:
    """A reference field. In a scenario it may be a bare id (string); it is
    served as {id, environment, related, resource_name} (plus api_version
    and kind when typed). target: the kind key it points to, or None for
    'any kind, found by id'."""
    field: str
    target: str = None
    typed: bool = False


@dataclass(frozen=True)
class Kind:
    key: str                 # collection name in scenario files
    path: str                # list path of the API
    api_version: str
    kind: str
    list_kind: str
    crn: str                 # after 'crn://confluent.cloud/organization=ORG/'
    id_prefix: str = ""
    env_scoped: bool = True
    env_ref: str = "spec.environment"   # where the environment ref goes
    page_default: int = 10
    page_max: int = 100
    required: tuple = ()                # required query params besides env
    filters: dict = field(default_factory=dict)
    refs: tuple = ()
    get_by_id: bool = True


M = "multi"
KINDS = {k.key: k for k in [
    Kind("environments", "/org/v2/environments", "org/v2", "Environment",
         "EnvironmentList", "environment={id}", "env-", env_scoped=False,
         env_ref=None),
    Kind("networks", "/networking/v1/networks", "networking/v1", "Network",
         "NetworkList", "environment={env}/network={id}", "n-",
         page_max=1000,
         filters={"spec.display_name": Filter("spec.display_name"),
                  "spec.cloud": Filter("spec.cloud"),
                  "spec.region": Filter("spec.region"),
                  "spec.connection_types": Filter("spec.connection_types"),
                  "spec.cidr": Filter("spec.cidr"),
                  "status.phase": Filter("status.phase")},
         refs=(Ref("spec.gateway", "gateways", typed=True),)),
    Kind("private_link_accesses", "/networking/v1/private-link-accesses",
         "networking/v1", "PrivateLinkAccess", "PrivateLinkAccessList",
         "environment={env}/network={spec.network}/private-link-access={id}",
         "pla-", page_max=1000,
         filters={"spec.display_name": Filter("spec.display_name"),
                  "status.phase": Filter("status.phase"),
                  "spec.network": Filter("spec.network")},
         refs=(Ref("spec.network", "networks"),)),
    Kind("private_link_attachments", "/networking/v1/private-link-attachments",
         "networking/v1", "PrivateLinkAttachment", "PrivateLinkAttachmentList",
         "private-link-attachment={id}", "platt-",
         filters={"spec.display_name": Filter("spec.display_name"),
                  "spec.cloud": Filter("spec.cloud"),
                  "spec.region": Filter("spec.region"),
                  "status.phase": Filter("status.phase")}),
    Kind("private_link_attachment_connections",
         "/networking/v1/private-link-attachment-connections",
         "networking/v1", "PrivateLinkAttachmentConnection",
         "PrivateLinkAttachmentConnectionList",
         "private-link-attachment-connection={id}", "plattc-",
         filters={"spec.private_link_attachment":
                  Filter("spec.private_link_attachment", "single")},
         refs=(Ref("spec.private_link_attachment",
                   "private_link_attachments"),)),
    Kind("gateways", "/networking/v1/gateways", "networking/v1", "Gateway",
         "GatewayList", "environment={env}/gateway={id}", "gw-",
         page_default=100,
         filters={"id": Filter("id"),
                  "spec.config.region": Filter("spec.config.region"),
                  "spec.display_name": Filter("spec.display_name"),
                  "status.phase": Filter("status.phase")}),
    Kind("access_points", "/networking/v1/access-points", "networking/v1",
         "AccessPoint", "AccessPointList",
         "environment={env}/gateway={spec.gateway}/access-point={id}", "ap-",
         filters={"spec.display_name": Filter("spec.display_name"),
                  "spec.gateway": Filter("spec.gateway"),
                  "id": Filter("id")},
         refs=(Ref("spec.gateway", "gateways"),)),
    Kind("dns_records", "/networking/v1/dns-records", "networking/v1",
         "DnsRecord", "DnsRecordList",
         "environment={env}/gateway={spec.gateway}/dns-record={id}",
         "dnsrec-",
         filters={"spec.display_name": Filter("spec.display_name"),
                  "spec.domain": Filter("spec.domain"),
                  "spec.gateway": Filter("spec.gateway"),
                  "resource": Filter("spec.config.resource_id")},
         refs=(Ref("spec.gateway", "gateways", typed=True),)),
    Kind("clusters", "/cmk/v2/clusters", "cmk/v2", "Cluster", "ClusterList",
         "environment={env}/cloud-cluster={id}", "lkc-",
         filters={"spec.network": Filter("spec.network"),
                  "spec.deletion_protection":
                  Filter("spec.deletion_protection", "bool")},
         refs=(Ref("spec.network", "networks"),)),
    Kind("schema_registry_clusters", "/srcm/v3/clusters", "srcm/v3",
         "Cluster", "ClusterList", "environment={env}/cloud-cluster={id}",
         "lsrc-"),
    Kind("ksqldb_clusters", "/ksqldbcm/v2/clusters", "ksqldbcm/v2", "Cluster",
         "ClusterList", "environment={env}/cloud-cluster={id}", "lksqlc-",
         refs=(Ref("spec.kafka_cluster", "clusters"),)),
    Kind("endpoints", "/endpoint/v1/endpoints", "endpoint/v1", "Endpoint",
         "EndpointList", "endpoint={id}", "e-", env_ref="environment",
         page_default=100, page_max=1000, required=("service",),
         filters={"service": Filter("service", "single"),
                  "cloud": Filter("cloud", "single"),
                  "region": Filter("region", "single"),
                  "is_private": Filter("is_private", "bool"),
                  "resource": Filter("resource", "single")},
         refs=(Ref("resource", None, typed=True),
               Ref("gateway", "gateways"),
               Ref("access_point", "access_points")),
         get_by_id=False),
    Kind("flink_regions", "/fcpm/v2/regions", "fcpm/v2", "Region",
         "RegionList", "region={id}", env_scoped=False, env_ref=None,
         filters={"cloud": Filter("cloud", "single"),
                  "region_name": Filter("region_name", "single")},
         get_by_id=False),
]}

ENV_COLLECTIONS = tuple(k for k, v in KINDS.items() if v.env_scoped)
ENDPOINT_SERVICES = ("KAFKA", "SCHEMA_REGISTRY", "FLINK")
_ENV_FIELDS = {"id", "display_name", "stream_governance_config", "metadata"}
_TOP_FIELDS = {"organization", "environments", "flink_regions"}
_BASE_TIME = datetime(2025, 3, 3, 9, 0, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------
# dotted paths

def get_path(obj, path):
    """Value at a dotted path ('spec.network.id'), or None."""
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def set_path(obj, path, value):
    parts = path.split(".")
    cur = obj
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def ref_id(value):
    """The id of a reference given either as a bare id or as an object."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def timestamp(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# the store

class Store:
    """The organization the API serves: environments and resources.

    items[kind_key] is a list of resource dicts in scenario form; resources
    of environment-scoped kinds carry their environment id in '_env'.
    """

    def __init__(self, org_id, environments, items):
        self.org_id = org_id
        self.environments = environments
        self.items = items
        self.serial = 1
        self.reindex()

    # -- lookup ---------------------------------------------------------

    def reindex(self):
        self._index = {}
        for env in self.environments:
            self._index[env["id"]] = ("environments", env)
        for key, objs in self.items.items():
            for obj in objs:
                self._index[obj["id"]] = (key, obj)

    def find(self, rid):
        """(kind_key, resource) for an id of any kind, or (None, None)."""
        return self._index.get(rid, (None, None))

    def environment(self, env_id):
        key, obj = self.find(env_id)
        return obj if key == "environments" else None

    def list(self, kind_key, env_id=None):
        if kind_key == "environments":
            return list(self.environments)
        objs = self.items.get(kind_key, [])
        if env_id is None:
            return list(objs)
        return [o for o in objs if o.get("_env") == env_id]

    def get(self, kind_key, rid):
        key, obj = self.find(rid)
        return obj if key == kind_key else None

    def cluster(self, cluster_id):
        return self.get("clusters", cluster_id)

    def brokers(self, cluster_id):
        """The '_sim.brokers' list of a Kafka cluster (copies)."""
        c = self.cluster(cluster_id)
        if c is None:
            raise KeyError("no cluster %r" % cluster_id)
        return copy.deepcopy(c.get("_sim", {}).get("brokers", []))

    # -- serialisation --------------------------------------------------

    def to_scenario(self):
        """The current state in scenario-file form (with '_sim' data)."""
        envs = []
        for env in self.environments:
            e = copy.deepcopy(env)
            for key in ENV_COLLECTIONS:
                objs = [copy.deepcopy(o) for o in self.items.get(key, [])
                        if o.get("_env") == env["id"]]
                for o in objs:
                    o.pop("_env", None)
                if objs:
                    e[key] = objs
            envs.append(e)
        out = {"organization": {"id": self.org_id}, "environments": envs}
        regions = [copy.deepcopy(o) for o in self.items.get("flink_regions",
                                                             [])]
        if regions:
            out["flink_regions"] = regions
        return out

    def clone(self):
        s = Store(self.org_id, copy.deepcopy(self.environments),
                  copy.deepcopy(self.items))
        s.serial = self.serial
        return s


# ---------------------------------------------------------------------------
# loading and validation

def _where(source, *parts):
    return "%s: %s" % (source, "".join(parts))


def _check_resource(kind, obj, where):
    if not isinstance(obj, dict):
        raise ScenarioError("%s: a resource must be an object" % where)
    rid = obj.get("id")
    if not isinstance(rid, str) or not rid:
        raise ScenarioError("%s: missing 'id'" % where)
    if kind.id_prefix and not rid.startswith(kind.id_prefix):
        raise ScenarioError("%s: id %r of a %s must start with %r"
                            % (where, rid, kind.kind, kind.id_prefix))
    for name in ("api_version", "kind"):
        if name in obj:
            raise ScenarioError("%s: %r is filled in by the simulator; "
                                "leave it out" % (where, name))
    meta = obj.get("metadata", {})
    if not isinstance(meta, dict) or set(meta) - {"created_at", "updated_at",
                                                  "deleted_at"}:
        raise ScenarioError("%s: 'metadata' may only hold created_at, "
                            "updated_at, deleted_at" % where)
    if kind.key == "clusters":
        check_brokers(obj, where)
    if kind.key == "endpoints":
        for name in ("service", "endpoint", "endpoint_type",
                     "connection_type", "cloud", "region"):
            if not isinstance(obj.get(name), str):
                raise ScenarioError("%s: endpoint needs string %r"
                                    % (where, name))
        if not isinstance(obj.get("is_private"), bool):
            raise ScenarioError("%s: endpoint needs boolean 'is_private'"
                                % where)
        if obj["service"] not in ENDPOINT_SERVICES:
            raise ScenarioError("%s: unknown service %r" % (where,
                                                            obj["service"]))


def check_brokers(obj, where):
    sim = obj.get("_sim", {})
    brokers = sim.get("brokers", [])
    if not isinstance(brokers, list):
        raise ScenarioError("%s: '_sim.brokers' must be a list" % where)
    seen_ids, seen_hosts = set(), set()
    for i, b in enumerate(brokers):
        w = "%s._sim.brokers[%d]" % (where, i)
        if not isinstance(b, dict):
            raise ScenarioError("%s: must be an object" % w)
        if not isinstance(b.get("id"), int) or isinstance(b.get("id"), bool):
            raise ScenarioError("%s: needs integer 'id'" % w)
        if not isinstance(b.get("host"), str) or not b["host"]:
            raise ScenarioError("%s: needs 'host'" % w)
        b.setdefault("port", 9092)
        b.setdefault("zone", None)
        if b["id"] in seen_ids or b["host"] in seen_hosts:
            raise ScenarioError("%s: duplicate broker id or host" % w)
        seen_ids.add(b["id"])
        seen_hosts.add(b["host"])


def check_refs(store, source):
    """Every reference given as a bare id must name an existing resource of
    the right kind in the same environment."""
    for key, objs in store.items.items():
        kind = KINDS[key]
        for obj in objs:
            for ref in kind.refs:
                value = get_path(obj, ref.field)
                if value is None or isinstance(value, dict):
                    continue
                tkey, target = store.find(value)
                where = "%s: %s %s field %s" % (source, kind.kind, obj["id"],
                                                ref.field)
                if target is None:
                    raise ScenarioError("%s: no resource %r" % (where, value))
                if ref.target is not None and tkey != ref.target:
                    raise ScenarioError("%s: %r is a %s, not a %s"
                                        % (where, value, tkey, ref.target))
                if (KINDS[tkey].env_scoped
                        and target.get("_env") != obj.get("_env")):
                    raise ScenarioError("%s: %r is in another environment"
                                        % (where, value))


def parse_document(doc, source, counter):
    """One scenario document -> (org_id, environments, items)."""
    if not isinstance(doc, dict):
        raise ScenarioError("%s: top level must be an object" % source)
    unknown = {k for k in doc if not k.startswith("_")} - _TOP_FIELDS
    if unknown:
        raise ScenarioError("%s: unknown top-level keys %s"
                            % (source, ", ".join(sorted(unknown))))
    org = doc.get("organization", {})
    org_id = org.get("id") if isinstance(org, dict) else None
    items = {k: [] for k in KINDS if k != "environments"}
    envs = []

    def stamp(obj):
        meta = obj.setdefault("metadata", {})
        t = _BASE_TIME + timedelta(minutes=next(counter))
        meta.setdefault("created_at", timestamp(t))
        meta.setdefault("updated_at", meta["created_at"])

    env_list = doc.get("environments", [])
    if not isinstance(env_list, list):
        raise ScenarioError("%s: 'environments' must be a list" % source)
    for i, env_doc in enumerate(env_list):
        where = "%s: environments[%d]" % (source, i)
        _check_resource(KINDS["environments"], env_doc, where)
        unknown = ({k for k in env_doc if not k.startswith("_")}
                   - _ENV_FIELDS - set(ENV_COLLECTIONS))
        if unknown:
            raise ScenarioError("%s: unknown keys %s"
                                % (where, ", ".join(sorted(unknown))))
        env = {k: copy.deepcopy(v) for k, v in env_doc.items()
               if k not in ENV_COLLECTIONS}
        if not isinstance(env.get("display_name"), str):
            raise ScenarioError("%s: needs 'display_name'" % where)
        stamp(env)
        envs.append(env)
        for key in ENV_COLLECTIONS:
            objs = env_doc.get(key, [])
            if not isinstance(objs, list):
                raise ScenarioError("%s.%s: must be a list" % (where, key))
            for j, obj in enumerate(objs):
                w = "%s.%s[%d]" % (where, key, j)
                _check_resource(KINDS[key], obj, w)
                o = copy.deepcopy(obj)
                o["_env"] = env["id"]
                stamp(o)
                items[key].append(o)
    regions = doc.get("flink_regions", [])
    if not isinstance(regions, list):
        raise ScenarioError("%s: 'flink_regions' must be a list" % source)
    for j, obj in enumerate(regions):
        _check_resource(KINDS["flink_regions"], obj,
                        "%s: flink_regions[%d]" % (source, j))
        o = copy.deepcopy(obj)
        stamp(o)
        items["flink_regions"].append(o)
    return org_id, envs, items


DEFAULT_ORG = "00000000-0000-4000-8000-000000000000"


def build_store(docs):
    """Merges parsed scenario documents [(source, doc)] into one Store.
    Ids must be unique across files, except identical Flink regions (the
    region catalogue is organization-wide, so files may repeat it)."""
    org_id = None
    envs, items = [], {k: [] for k in KINDS if k != "environments"}
    seen = {}
    counter = iter(range(1000000))
    for source, doc in docs:
        o, e, it = parse_document(doc, source, counter)
        if o is not None:
            if org_id is not None and o != org_id:
                raise ScenarioError("%s: organization %s differs from %s"
                                    % (source, o, org_id))
            org_id = o
        for env in e:
            if env["id"] in seen:
                raise ScenarioError("%s: duplicate id %s (also in %s)"
                                    % (source, env["id"], seen[env["id"]]))
            seen[env["id"]] = source
            envs.append(env)
        for key, objs in it.items():
            for obj in objs:
                rid = obj["id"]
                if rid in seen:
                    if key == "flink_regions":
                        prev = next(x for x in items[key] if x["id"] == rid)
                        a = {k: v for k, v in prev.items() if k != "metadata"}
                        b = {k: v for k, v in obj.items() if k != "metadata"}
                        if a == b:
                            continue
                    raise ScenarioError("%s: duplicate id %s (also in %s)"
                                        % (source, rid, seen[rid]))
                seen[rid] = source
                items[key].append(obj)
    store = Store(org_id or DEFAULT_ORG, envs, items)
    check_refs(store, " + ".join(s for s, _ in docs) or "scenario")
    return store


def load(paths):
    """Loads and merges scenario files into a Store (ScenarioError on any
    problem, naming the file and the place in it)."""
    docs = []
    for path in paths:
        try:
            with open(path) as f:
                docs.append((path, json.load(f)))
        except json.JSONDecodeError as e:
            raise ScenarioError("%s:%d:%d: %s" % (path, e.lineno, e.colno,
                                                  e.msg)) from None
        except OSError as e:
            raise ScenarioError("%s: %s" % (path, e.strerror)) from None
    return build_store(docs)


# ---------------------------------------------------------------------------
# derived names (for the endpoint, the Kafka mock and tests)

def split_hostport(value, default_port):
    """'SASL_SSL://h:9092' / 'https://h:443' / 'https://h' / 'h:9092'
    -> ('h', port)."""
    v = value
    m = re.match(r"^[A-Za-z][A-Za-z0-9+._-]*://", v)
    scheme = ""
    if m:
        scheme = m.group(0)[:-3].lower()
        v = v[m.end():]
    v = v.split("/", 1)[0]
    host, sep, port = v.rpartition(":")
    if sep and port.isdigit():
        return host.lower(), int(port)
    if scheme == "https":
        return v.lower(), 443
    return v.lower(), default_port


def cluster_names(cluster):
    """Hostnames of a Kafka cluster resource, from spec.endpoints and the
    deprecated fields: {'bootstrap': [(host, port)], 'rest': [(host, port)],
    'brokers': [(host, port)]} (each sorted, unique)."""
    spec = cluster.get("spec", {})
    boot, rest = set(), set()
    for ep in (spec.get("endpoints") or {}).values():
        if ep.get("kafka_bootstrap_endpoint"):
            boot.add(split_hostport(ep["kafka_bootstrap_endpoint"], 9092))
        if ep.get("http_endpoint"):
            rest.add(split_hostport(ep["http_endpoint"], 443))
    if spec.get("kafka_bootstrap_endpoint"):
        boot.add(split_hostport(spec["kafka_bootstrap_endpoint"], 9092))
    if spec.get("http_endpoint"):
        rest.add(split_hostport(spec["http_endpoint"], 443))
    brokers = {(b["host"].lower(), b.get("port", 9092))
               for b in cluster.get("_sim", {}).get("brokers", [])}
    return {"bootstrap": sorted(boot), "rest": sorted(rest),
            "brokers": sorted(brokers)}


def endpoint_hosts(store, env_id=None, service=None, private=True):
    """(host, port) of Endpoint API objects, filtered."""
    out = set()
    for ep in store.list("endpoints", env_id):
        if service is not None and ep["service"] != service:
            continue
        if private is not None and ep["is_private"] != private:
            continue
        default = 9092 if ep["endpoint_type"] == "BOOTSTRAP" else 443
        out.add(split_hostport(ep["endpoint"], default))
    return sorted(out)


# ---------------------------------------------------------------------------
# command line

def organizations(paths):
    """The files grouped by the organization they describe, in the order
    given: each group is what one simulator would serve."""
    groups = {}
    for path in paths:
        try:
            with open(path) as f:
                org = json.load(f).get("organization", {}).get("id")
        except (OSError, ValueError, AttributeError):
            org = None      # load() names what is wrong with it
        groups.setdefault(org or DEFAULT_ORG, []).append(path)
    return list(groups.items())


def check(paths):
    """Validates the files, those of one organization merged together."""
    for org, group in organizations(paths):
        try:
            store = load(group)
        except ScenarioError as e:
            print("scenario: %s" % e, file=sys.stderr)
            return 1
        print("organization %s: %s" % (org, ", ".join(group)))
        for env in store.environments:
            counts = ", ".join("%s=%d" % (k, len(store.list(k, env["id"])))
                               for k in ENV_COLLECTIONS
                               if store.list(k, env["id"]))
            print("  %s %s: %s" % (env["id"], env["display_name"], counts))
        print("  flink_regions=%d" % len(store.list("flink_regions")))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="validate scenario files")
    p.add_argument("files", nargs="+")
    for name in ("brokers", "names"):
        p = sub.add_parser(name)
        p.add_argument("files", nargs="+")
        p.add_argument("--cluster", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "check":
        return check(args.files)
    try:
        store = load(args.files)
    except ScenarioError as e:
        print("scenario: %s" % e, file=sys.stderr)
        return 1
    cluster = store.cluster(args.cluster)
    if cluster is None:
        print("scenario: no cluster %r" % args.cluster, file=sys.stderr)
        return 1
    if args.cmd == "brokers":
        json.dump(store.brokers(args.cluster), sys.stdout, indent=2)
    else:
        json.dump(cluster_names(cluster), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
