# cclink split DNS for Windows, proxy edge-1, written by cclink-sidecar.
# In an elevated PowerShell:
#     powershell -ExecutionPolicy Bypass -File windows-nrpt.ps1
#     powershell -ExecutionPolicy Bypass -File windows-nrpt.ps1 -Remove
# One Name Resolution Policy Table rule per zone below sends names in it
# (".zone": the zone's names; "zone": the zone itself), and only those, to
# the proxy's DNS server. The rules carry the comment 'cclink edge-1': a
# new run replaces them, -Remove takes them out. Check with
# Get-DnsClientNrptPolicy -Effective and Resolve-DnsName NAME. Rules
# pushed by Group Policy take precedence over local ones.
param([switch]$Remove)
$ErrorActionPreference = 'Stop'
$comment = 'cclink edge-1'
$server = '203.0.113.10'
$port = 53
$zones = @(
    'dom1.us-west-2.aws.confluent.cloud',
    'lsrc-1.us-east-1.aws.private.confluent.cloud',
    'us-west-2.aws.glb.confluent.cloud'
)
if ($port -ne 53 -and -not $Remove) {
    throw "NRPT rules cannot name a port: the proxy's DNS must listen on 53 (it is on $port)"
}
$old = @(Get-DnsClientNrptRule | Where-Object { $_.Comment -eq $comment })
foreach ($rule in $old) {
    Remove-DnsClientNrptRule -Name $rule.Name -Force
}
$added = 0
if (-not $Remove) {
    foreach ($zone in $zones) {
        Add-DnsClientNrptRule -Namespace @(".$zone", $zone) -NameServers $server -Comment $comment | Out-Null
        $added++
    }
}
try { Clear-DnsClientCache } catch { }
Write-Output "windows-nrpt.ps1: $added NRPT rules added, $($old.Count) removed (proxy edge-1, DNS $server)"
