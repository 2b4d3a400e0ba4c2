/*
 * Atalaya's own YARA rules: content signatures for executables that the behaviour analytics may
 * only see later. Each file is its own namespace; meta "mitre_attack" becomes threat.technique.id,
 * "score" (0-100) the signal weight.
 */

rule xmrig_miner : miner
{
    meta:
        description = "XMRig cryptocurrency miner (its option names and pool protocol strings)"
        author = "Atalaya"
        mitre_attack = "T1496"
        score = 80
    strings:
        $name = "xmrig" ascii nocase
        $donate = "donate-level" ascii
        $stratum = "stratum+tcp://" ascii
        $algo = "randomx" ascii nocase
    condition:
        uint32(0) == 0x464c457f and $name and 2 of ($donate, $stratum, $algo)
}
