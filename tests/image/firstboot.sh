# shellcheck shell=bash disable=SC2154
# (root, logs, here, netns, imds_pid, out: the bake test's)
#
# The bake test's first-boot checks (sourced by tests/image/bake-test.sh,
# with the provisioned root mounted): cclink-firstboot, as the image
# runs it on its first boot, against a fake metadata service of each
# cloud (tests/image/fake_imds.py) on 169.254.169.254:80 in a network
# namespace made for it, the chroot's commands run in that namespace.
#
# For each cloud: the zone reaches cclink_host_zone (the file nginx.conf
# includes, seen in nginx -T) and the sidecar's "zone", the address in the
# user data / metadata attribute reaches "proxy_address"; a second run
# changes nothing. A namespace where nothing answers, and a service that
# answers like another cloud, leave the configuration as it was (exit 2,
# saying so). The fake services refuse what the real ones refuse: AWS
# without an IMDSv2 token (401), Azure without "Metadata: true" (400), GCP
# without "Metadata-Flavor: Google" (403).

fb_root=/tmp/cclink-bake/firstboot
fb_dir=$root$fb_root
zone_conf=/etc/cclink/nginx-stream.d/host-zone.conf
sidecar_conf=/etc/cclink/cclink-sidecar.conf
md=169.254.169.254

# Runs "ENV=... command args" inside the root, in the namespace; its
# output (also appended to the log) in $out, its status in $fb_rc.
in_ns() {
    fb_rc=0
    out=$(ip netns exec "$netns" chroot "$root" /usr/bin/env -i \
          PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@" 2>&1) \
        || fb_rc=$?
    { echo "\$ $*  (exit $fb_rc)"; printf '%s\n' "$out"; } \
        >> "$logs/firstboot.log"
}

# An HTTP status from the fake service, asked from the namespace.
status_of() {
    ip netns exec "$netns" curl -s -o /dev/null -w '%{http_code}' \
        --noproxy '*' --max-time 5 "$@" || true
}

imds_start() {
    local cloud=$1
    shift
    # emptied before it starts, so that "listening" is this run's
    : > "$logs/imds-$cloud.log"
    : > "$logs/imds-$cloud.out"
    ip netns exec "$netns" /usr/bin/python3 "$here/fake_imds.py" "$cloud" \
        "$md" 80 "$logs/imds-$cloud.log" "$@" > "$logs/imds-$cloud.out" 2>&1 &
    imds_pid=$!
    for _ in $(seq 1 50); do
        grep -q listening "$logs/imds-$cloud.out" && return 0
        kill -0 "$imds_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$logs/imds-$cloud.out"
    fail "the fake $cloud metadata service did not start"
}

imds_stop() {
    kill "$imds_pid" 2>/dev/null || true
    wait "$imds_pid" 2>/dev/null || true
    imds_pid=
}

conf_sums() {
    (cd "$root" && md5sum "./$sidecar_conf" && { cat "./$zone_conf" \
        2>/dev/null || echo "no $zone_conf"; } | md5sum)
}

# Fails unless the configuration says zone $1 and proxy_address $2
# everywhere, and nginx takes it.
configured() {
    local zone=$1 address=$2
    grep -qx "cclink_host_zone $zone;" "$root$zone_conf" \
        || fail "$zone_conf does not say cclink_host_zone $zone: $(tr \
           '\n' ' ' < "$root$zone_conf" 2>/dev/null)"
    grep -qE "^zone +$zone\$" "$root$sidecar_conf" \
        || fail "$sidecar_conf: no line \"zone $zone\""
    [ "$(grep -cE '^zone ' "$root$sidecar_conf")" = 1 ] \
        || fail "$sidecar_conf: more than one zone line"
    grep -qE "^proxy_address +$address\$" "$root$sidecar_conf" \
        || fail "$sidecar_conf: no line \"proxy_address $address\""
    expect 0 "nginx -T with the zone" nginx -T
    has "^ *cclink_host_zone $zone;" \
        || fail "nginx -T does not show cclink_host_zone $zone"
    # shellcheck disable=SC2046
    expect 1 "cclink-sidecar check" $(as_cclink) cclink-sidecar check
    has '^ok +configuration /etc/cclink/cclink-sidecar.conf' \
        || fail "the sidecar refuses the configuration written: $out"
    grep -q "^zone $zone\$" "$root/var/lib/cclink-firstboot/done" \
        || fail "the stamp does not record zone $zone"
}

# The line cclink-firstboot logs about what the metadata said.
said() {
    printf '%s\n' "$out" | grep -m1 -E "^cclink-firstboot: (aws|azure|gcp):" \
        | sed 's/^cclink-firstboot: //'
}

unchanged_run() {
    local what=$1 before
    shift
    before=$(conf_sums)
    in_ns "$@"
    [ "$fb_rc" = 2 ] || { printf '%s\n' "$out"; fail "$what: exit $fb_rc, expected 2"; }
    printf '%s\n' "$out" | grep -q 'no metadata: configuration unchanged' \
        || fail "$what: does not say the configuration is unchanged: $out"
    [ "$(conf_sums)" = "$before" ] || fail "$what: the configuration changed"
}

step "first boot: zone and proxy address from each cloud's metadata"
netns=ccimg$$
ip netns add "$netns"
ip -n "$netns" link set lo up
ip -n "$netns" addr add "$md/32" dev lo
rm -rf "$fb_dir"
mkdir -p "$fb_dir/dmi-none" "$fb_dir/dmi-azure"
echo "Microsoft Corporation" > "$fb_dir/dmi-azure/sys_vendor"
echo "Virtual Machine" > "$fb_dir/dmi-azure/product_name"
echo "7783-7084-3265-9085-8269-3286-77" > "$fb_dir/dmi-azure/chassis_asset_tag"
rm -f "$root$zone_conf" "$root/var/lib/cclink-firstboot/done"
: > "$logs/firstboot.log"

# nothing answers: the host's own DMI strings are kept out
unchanged_run "no metadata service" CCLINK_DMI_DIR=$fb_root/dmi-none \
    cclink-firstboot --timeout 1
[ ! -e "$root$zone_conf" ] || fail "no metadata, yet $zone_conf was written"
[ ! -e "$root/var/lib/cclink-firstboot/done" ] \
    || fail "no metadata, yet the stamp was written"
ok "no metadata service: exit 2, \"$(printf '%s\n' "$out" | tail -n 1 \
    | sed 's/^cclink-firstboot: //')\", nothing written"

# AWS, found by trying the services (no DMI match); the address in a
# cloud-config's comment
printf '#cloud-config\n# cclink proxy_address 10.0.7.21\nruncmd: []\n' \
    > "$fb_dir/aws-user-data"
imds_start aws --zone usw2-az1 --region us-west-2 \
    --user-data "$fb_dir/aws-user-data"
[ "$(status_of "http://$md/latest/meta-data/placement/availability-zone-id")" \
    = 401 ] || fail "the fake IMDS answers without a token"
in_ns CCLINK_DMI_DIR=$fb_root/dmi-none cclink-firstboot --timeout 1
[ "$fb_rc" = 0 ] || { printf '%s\n' "$out"; fail "aws: exit $fb_rc"; }
line=$(said)
configured usw2-az1 10.0.7.21
grep -q '^PUT /latest/api/token 200$' "$logs/imds-aws.log" \
    || fail "aws: no IMDSv2 token was asked for"
ok "aws (IMDSv2, found by probing): $line"
ok "aws: cclink_host_zone usw2-az1 in nginx -T, sidecar zone usw2-az1, proxy_address 10.0.7.21 (cclink-sidecar check: configuration ok)"
before=$(conf_sums)
in_ns cclink-firstboot --cloud aws --timeout 1
[ "$fb_rc" = 0 ] && [ "$(conf_sums)" = "$before" ] \
    && printf '%s\n' "$out" | grep -q 'already up to date' \
    || fail "aws: the second run is not a no-op: $out"
ok "aws: a second run changes nothing (\"configuration already up to date\")"
# the unit runs while the record the script just wrote is missing, before
# nginx and the sidecar, and takes "no metadata" (2) for success
unit=$root/lib/systemd/system/cclink-firstboot.service
cond=$(sed -n 's/^ConditionPathExists=!//p' "$unit")
[ -n "$cond" ] && [ -f "$root$cond" ] \
    || fail "cclink-firstboot.service's condition \"!$cond\" is not the record written"
grep -qE '^Before=.*nginx\.service' "$unit" \
    && grep -qE '^Before=.*cclink-sidecar\.service' "$unit" \
    && grep -qx 'SuccessExitStatus=2' "$unit" \
    || fail "cclink-firstboot.service: not Before= nginx and the sidecar, or exit 2 a failure"
ok "cclink-firstboot.service: runs until $cond exists, before nginx and cclink-sidecar"
# a service answering like another cloud is no answer
unchanged_run "azure asked, aws answers" cclink-firstboot --cloud azure \
    --timeout 1
ok "azure asked, an AWS service answers: exit 2, configuration unchanged"
imds_stop

# Azure, found from the DMI strings; the address in userData
printf '#!/bin/sh\n# cclink proxy_address 10.1.0.9\n' > "$fb_dir/azure-user-data"
imds_start azure --zone 2 --region westeurope \
    --user-data "$fb_dir/azure-user-data"
[ "$(status_of "http://$md/metadata/instance/compute/zone?api-version=2021-02-01&format=text")" \
    = 400 ] || fail "the fake Azure IMDS answers without Metadata: true"
in_ns CCLINK_DMI_DIR=$fb_root/dmi-azure cclink-firstboot --timeout 1
[ "$fb_rc" = 0 ] || { printf '%s\n' "$out"; fail "azure: exit $fb_rc"; }
line=$(said)
configured 2 10.1.0.9
ok "azure (IMDS, found from DMI): $line"
ok "azure: cclink_host_zone 2 in nginx -T, sidecar zone 2, proxy_address 10.1.0.9"
imds_stop

# Azure, a regional VM (no zone), the address in custom data (base64, as
# older agents keep it)
imds_start azure --zone "" --region westeurope
printf '#cloud-config\n# cclink proxy_address 10.1.0.20\n' | base64 \
    > "$fb_dir/CustomData"
in_ns CCLINK_AZURE_CUSTOM_DATA=$fb_root/CustomData cclink-firstboot \
    --cloud azure --timeout 1
[ "$fb_rc" = 0 ] || { printf '%s\n' "$out"; fail "azure regional: exit $fb_rc"; }
printf '%s\n' "$out" | grep -q 'no zone for this instance' \
    || fail "azure regional: does not say there is no zone: $out"
grep -qx 'cclink_host_zone 2;' "$root$zone_conf" \
    && grep -qE '^zone +2$' "$root$sidecar_conf" \
    || fail "azure regional: the zone settings changed"
grep -qE '^proxy_address +10.1.0.20$' "$root$sidecar_conf" \
    || fail "azure regional: proxy_address from custom data not written"
ok "azure, regional VM: zone settings kept, proxy_address 10.1.0.20 from custom data"
imds_stop

# GCP at its name, as Google's guest environment puts it in /etc/hosts;
# the address in a metadata attribute
if [ -f "$root/etc/hosts" ]; then
    cp "$root/etc/hosts" "$fb_dir/hosts"
fi
echo "$md metadata.google.internal" >> "$root/etc/hosts"
imds_start gcp --zone us-central1-a \
    --attribute cclink-proxy-address=10.2.0.4
[ "$(status_of "http://$md/computeMetadata/v1/instance/zone")" = 403 ] \
    || fail "the fake GCP metadata server answers without Metadata-Flavor"
in_ns cclink-firstboot --cloud gcp --timeout 1
[ "$fb_rc" = 0 ] || { printf '%s\n' "$out"; fail "gcp: exit $fb_rc"; }
line=$(said)
configured us-central1-a 10.2.0.4
ok "gcp (metadata.google.internal): $line"
ok "gcp: cclink_host_zone us-central1-a in nginx -T, sidecar zone us-central1-a, proxy_address 10.2.0.4"
unchanged_run "aws asked, gcp answers" cclink-firstboot --cloud aws --timeout 1
ok "aws asked, the GCP server answers (403 to the token request): exit 2, configuration unchanged"
imds_stop
if [ -f "$fb_dir/hosts" ]; then
    cp "$fb_dir/hosts" "$root/etc/hosts"
else
    rm -f "$root/etc/hosts"
fi

ip netns del "$netns"
netns=
ok "first boot checks in $(took)s (log: $logs/firstboot.log)"
