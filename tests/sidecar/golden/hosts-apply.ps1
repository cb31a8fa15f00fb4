# cclink hosts update for proxy edge-1, written by cclink-sidecar.
# Run it in an elevated PowerShell:
#     powershell -ExecutionPolicy Bypass -File hosts-apply.ps1
# It replaces the lines between the cclink markers of this proxy in the
# hosts file (or appends them), keeps every other line as it is, and saves
# the previous file as hosts.cclink-backup.
$ErrorActionPreference = 'Stop'
$hostsPath = Join-Path $env:SystemRoot 'System32\drivers\etc\hosts'
$begin = '# BEGIN cclink edge-1'
$end = '# END cclink edge-1'
$block = @(
    '# BEGIN cclink edge-1',
    '# Confluent Cloud names reached through proxy edge-1 at 203.0.113.10 (10 names).',
    '# Written by cclink-sidecar: lines between these markers are replaced.',
    '# lkc-8hx3wq: no broker names (no Kafka API key, or broker discovery failed): its brokers are not listed',
    '# lkc-corp: no broker names (no Kafka API key, or broker discovery failed): its brokers are not listed',
    '203.0.113.10 e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud',
    '203.0.113.10 e-24ab-usw2-az3-l63jl.us-west-2.aws.glb.confluent.cloud',
    '203.0.113.10 flink-l63jl.us-west-2.aws.glb.confluent.cloud',
    '203.0.113.10 flinkpls-l63jl.us-west-2.aws.glb.confluent.cloud',
    '203.0.113.10 lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent.cloud',
    '203.0.113.10 lkc-8hx3wq-ap1abc.us-west-2.aws.accesspoint.glb.confluent.cloud',
    '203.0.113.10 lkc-9wd3ny-g000.us-west-2.aws.private.confluent.cloud',
    '203.0.113.10 lkc-9wd3ny.us-west-2.aws.private.confluent.cloud',
    '203.0.113.10 lkc-corp.corp-dc.confluent.cloud',
    '203.0.113.10 lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud',
    '# END cclink edge-1'
)
$lines = @()
if (Test-Path -LiteralPath $hostsPath) {
    $lines = @(Get-Content -LiteralPath $hostsPath)
}
$out = New-Object System.Collections.Generic.List[string]
$inside = $false
$placed = $false
foreach ($line in $lines) {
    if ($line -eq $begin) {
        if ($inside) {
            throw "nested '$begin' in ${hostsPath}: fix the file by hand"
        }
        $inside = $true
        if (-not $placed) {
            $out.AddRange([string[]]$block)
            $placed = $true
        }
        continue
    }
    if ($inside) {
        if ($line -eq $end) {
            $inside = $false
        }
        continue
    }
    $out.Add($line)
}
if ($inside) {
    throw "'$begin' without '$end' in ${hostsPath}: fix the file by hand"
}
if (-not $placed) {
    $out.AddRange([string[]]$block)
}
$new = ($out -join "`r`n") + "`r`n"
$old = ''
if (Test-Path -LiteralPath $hostsPath) {
    $old = [System.IO.File]::ReadAllText($hostsPath)
}
if ($new -ceq $old) {
    Write-Output "hosts file already up to date: $hostsPath"
    exit 0
}
$tmp = $hostsPath + '.cclink-tmp'
[System.IO.File]::WriteAllText($tmp, $new, [System.Text.Encoding]::ASCII)
if (Test-Path -LiteralPath $hostsPath) {
    [System.IO.File]::Replace($tmp, $hostsPath, $hostsPath + '.cclink-backup')
} else {
    Move-Item -LiteralPath $tmp -Destination $hostsPath
}
try { Clear-DnsClientCache } catch { }
Write-Output "hosts file updated: $hostsPath"
