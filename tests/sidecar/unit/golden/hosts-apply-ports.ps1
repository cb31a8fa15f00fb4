# cclink hosts update for proxy other, written by cclink-sidecar.
# Run it in an elevated PowerShell:
#     powershell -ExecutionPolicy Bypass -File hosts-apply.ps1
# It replaces the lines between the cclink markers of this proxy in the
# hosts file (or appends them), keeps every other byte as it is, and saves
# the previous file as hosts.cclink-backup. -Remove takes the block out,
# -ReplaceName OLD also removes the block of proxy OLD, -File PATH edits
# another file.
param([switch]$Remove, [string]$ReplaceName = '', [string]$File = '')
$ErrorActionPreference = 'Stop'
$hostsPath = Join-Path $env:SystemRoot 'System32\drivers\etc\hosts'
if ($File) {
    $hostsPath = $File
}
$name = 'other'
$block = @(
    '# BEGIN cclink other',
    '# Confluent Cloud names reached through proxy other at 2001:db8::7 (9 names).',
    '# Written by cclink-sidecar: lines between these markers are replaced.',
    '# lkc-8hx3wq: no broker names (no Kafka API key, or broker discovery failed): its brokers are not listed',
    '2001:db8::7 e-0cb9-usw2-az1-l63jl.us-west-2.aws.glb.confluent.cloud',
    '2001:db8::7 e-24ab-usw2-az3-l63jl.us-west-2.aws.glb.confluent.cloud',
    '2001:db8::7 flink-l63jl.us-west-2.aws.glb.confluent.cloud',
    '2001:db8::7 flinkpls-l63jl.us-west-2.aws.glb.confluent.cloud',
    '2001:db8::7 lkc-3gyjw-l63jl.us-west-2.aws.glb.confluent.cloud',
    '2001:db8::7 lkc-8hx3wq-ap1abc.us-west-2.aws.accesspoint.glb.confluent.cloud',
    '2001:db8::7 lkc-9wd3ny-g000.us-west-2.aws.private.confluent.cloud',
    '2001:db8::7 lkc-9wd3ny.us-west-2.aws.private.confluent.cloud',
    '2001:db8::7 lsrc-5jm2xq.us-west-2.aws.private.confluent.cloud',
    '# END cclink other'
)
# Latin-1 maps each byte to one character and back: every byte of the
# other lines is kept as it was, whatever their encoding
$latin1 = [System.Text.Encoding]::GetEncoding(28591)
function Edit-Hosts([string]$text, [string]$proxy, [bool]$remove) {
    # markers match whole lines, ignoring trailing blanks and the CR
    $esc = [regex]::Escape($proxy)
    $beginRe = '^# BEGIN cclink ' + $esc + '[ \t]*\r?$'
    $endRe = '^# END cclink ' + $esc + '[ \t]*\r?$'
    $eol = "`r`n"
    $nl = $text.IndexOf("`n")
    if ($nl -eq 0 -or ($nl -gt 0 -and $text[$nl - 1] -ne "`r")) {
        $eol = "`n"
    }
    $blockText = ''
    if (-not $remove) {
        $blockText = ($block -join $eol) + $eol
    }
    $sb = New-Object System.Text.StringBuilder
    $inside = $false
    $placed = $false
    $lineNo = 0
    $first = 0
    foreach ($m in [regex]::Matches($text, '[^\n]*\n|[^\n]+$')) {
        $lineNo++
        $line = $m.Value
        $bare = $line.TrimEnd("`n")
        if ($bare -cmatch $beginRe) {
            if ($inside) {
                throw "${hostsPath}:${lineNo}: BEGIN marker inside a block (opened on line $first): nothing was changed, fix the file by hand"
            }
            $inside = $true
            $first = $lineNo
            if (-not $placed) {
                [void]$sb.Append($blockText)
                $placed = $true
            }
            continue
        }
        if ($bare -cmatch $endRe) {
            if (-not $inside) {
                throw "${hostsPath}:${lineNo}: END marker without BEGIN: nothing was changed, fix the file by hand"
            }
            $inside = $false
            continue
        }
        if (-not $inside) {
            [void]$sb.Append($line)
        }
    }
    if ($inside) {
        throw "${hostsPath}:${first}: BEGIN marker without END: nothing was changed, fix the file by hand"
    }
    if (-not $placed -and -not $remove) {
        if ($text.Length -gt 0 -and -not $text.EndsWith("`n")) {
            if ($eol -eq "`r`n" -and -not $text.EndsWith("`r")) {
                [void]$sb.Append("`r`n")
            } else {
                [void]$sb.Append("`n")
            }
        }
        [void]$sb.Append($blockText)
    }
    return $sb.ToString()
}
$exists = Test-Path -LiteralPath $hostsPath
$bytes = [byte[]]@()
if ($exists) {
    $bytes = [System.IO.File]::ReadAllBytes($hostsPath)
}
$old = $latin1.GetString($bytes)
$mid = $old
if ($ReplaceName -and $ReplaceName -cne $name) {
    $mid = Edit-Hosts $old $ReplaceName $true
}
$new = Edit-Hosts $mid $name $Remove.IsPresent
if ($new -ceq $old -and ($exists -or $new.Length -eq 0)) {
    Write-Output "hosts-apply.ps1: $hostsPath already up to date"
    exit 0
}
$tmp = $hostsPath + '.cclink-tmp'
[System.IO.File]::WriteAllBytes($tmp, $latin1.GetBytes($new))
if ($exists) {
    [System.IO.File]::Replace($tmp, $hostsPath, $hostsPath + '.cclink-backup')
} else {
    Move-Item -LiteralPath $tmp -Destination $hostsPath
}
try { Clear-DnsClientCache } catch { }
if ($Remove) {
    Write-Output "hosts-apply.ps1: $hostsPath updated: block of proxy $name removed"
} else {
    Write-Output "hosts-apply.ps1: $hostsPath updated: block of proxy $name in place"
}
