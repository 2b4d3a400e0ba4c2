using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Scoring;

/// <summary>
/// The alert's one sentence in Spanish (<c>atalaya.summary_es</c>), written from the same facts as the
/// English one (verdict, score, the strongest signal, the entity, how many more signals) rather than
/// translated from it: the analytics' details are English prose with paths and numbers, so the Spanish
/// sentence names what was detected from a table keyed by analytic id and names the entity itself.
/// Rules written by others (Sigma, YARA) keep their own title, quoted.
/// </summary>
public static class SpanishSummary
{
    // Keyed by analytic id; a signal id is the analytic id or "id.aspect".
    private static readonly Dictionary<string, string> WhatById = new(StringComparer.Ordinal)
    {
        ["atalaya.analytic.interpreter-input"] = "un intérprete lee su programa desde la red o una tubería",
        ["atalaya.analytic.masquerade"] = "un programa con nombre de programa del sistema se ejecuta desde una ruta inesperada",
        ["atalaya.analytic.sensitive-file-write"] = "se escribió en un archivo de persistencia o de cuentas",
        ["atalaya.analytic.log-tampering"] = "se borraron registros o el historial",
        ["atalaya.analytic.unowned-system-binary"] = "hay un ejecutable en un directorio del sistema que no pertenece a ningún paquete",
        ["atalaya.analytic.account-change"] = "se creó una cuenta o se le dieron más privilegios",
        ["atalaya.analytic.inbound-scan"] = "un escaneo de puertos entrante",
        ["atalaya.analytic.reverse-shell"] = "una shell con su entrada y salida en una conexión de red (shell inversa)",
        ["atalaya.analytic.long-lived-connection"] = "una conexión de larga duración desde un programa que no es un servicio",
        ["atalaya.analytic.outbound-scan"] = "un escaneo o abanico de conexiones salientes",
        ["atalaya.analytic.suspicious-port"] = "una conexión a un puerto de minería o de Tor",
        ["atalaya.analytic.beaconing"] = "conexiones regulares a un mismo destino (beaconing)",
        ["atalaya.analytic.anonymous-executable-memory"] = "memoria ejecutable sin archivo de respaldo",
        ["atalaya.analytic.user-writable-egress"] = "un programa en una ruta escribible por usuarios habla con una dirección pública",
        ["atalaya.analytic.impossible-lineage"] = "un padre y un hijo que los sistemas legítimos nunca emparejan",
        ["atalaya.analytic.exposed-listener"] = "un programa en una ruta escribible por usuarios escucha en todas las interfaces",
        ["atalaya.analytic.listener-exposure"] = "un servicio expuesto más allá de este equipo (programa sin paquete o puerto de administración)",
        ["atalaya.analytic.rarity"] = "un programa raro en la población de procesos de este equipo",
        ["atalaya.analytic.ld-preload"] = "una biblioteca inyectada a través del enlazador dinámico",
        ["atalaya.analytic.package-file-modified"] = "un archivo de un paquete fue modificado después de instalarse",
        ["atalaya.analytic.execution-path"] = "un programa se ejecuta desde una ubicación sospechosa",
        ["atalaya.analytic.kernel-thread-disguise"] = "un programa disfrazado de hilo del kernel",
        ["atalaya.analytic.fileless-execution"] = "un programa ejecutado desde memoria, sin archivo en disco",
        ["atalaya.analytic.resource-hijacking"] = "minería de criptomonedas",
        ["atalaya.analytic.ptrace-attach"] = "un proceso se adjuntó a otro con ptrace",
        ["atalaya.analytic.service-shell"] = "un servicio expuesto a la red inició una shell",
        ["atalaya.analytic.hidden-process"] = "un proceso oculto de la lista de procesos",
        ["atalaya.analytic.brute-force"] = "intentos de adivinar contraseñas (fuerza bruta)",
        ["atalaya.analytic.persistence-change"] = "una persistencia nueva o modificada",
        ["atalaya.analytic.deleted-executable"] = "un programa se ejecuta desde un archivo borrado del disco",
        ["atalaya.analytic.threat-intel"] = "coincide con un indicador de inteligencia de amenazas",
        ["atalaya.analytic.first-seen"] = "algo que no está en la línea base de este equipo",
        ["atalaya.analytic.baseline-learning"] = "el aprendizaje de la línea base de este equipo",
    };

    public static string VerdictWord(string verdict) => verdict switch
    {
        Verdicts.Benign => "Benigno",
        Verdicts.LowRisk => "Riesgo bajo",
        Verdicts.Suspicious => "Sospechoso",
        Verdicts.LikelyMalicious => "Probablemente malicioso",
        Verdicts.ConfirmedMalicious => "Malicioso confirmado",
        _ => verdict,
    };

    /// <summary>"Sospechoso (62/100): un programa se ejecuta desde un archivo borrado del disco, en el proceso x (pid 1) (y 2 señales más)."</summary>
    public static string Summarize(RiskScore score, IReadOnlyList<Signal> ordered)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(ordered);
        var strongest = ordered[0];
        var more = ordered.Count switch
        {
            1 => string.Empty,
            2 => " (y 1 señal más)",
            _ => $" (y {ordered.Count - 1} señales más)",
        };
        return $"{VerdictWord(score.Verdict)} ({score.Score}/100): {What(strongest)}{Where(strongest.Subject)}{more}.";
    }

    /// <summary>What the strongest signal detected, in Spanish.</summary>
    public static string What(Signal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (signal.SourceId.StartsWith("atalaya.analytic.yara.", StringComparison.Ordinal))
        {
            return $"la regla YARA «{signal.SourceId["atalaya.analytic.yara.".Length..]}» coincide con el ejecutable";
        }

        for (var id = signal.SourceId; id.Length > 0; id = id[..Math.Max(0, id.LastIndexOf('.'))])
        {
            if (WhatById.TryGetValue(id, out var what))
            {
                return what;
            }

            if (!id.Contains('.', StringComparison.Ordinal))
            {
                break;
            }
        }

        // A Sigma rule (or any rule someone else wrote): its title is a name, kept as written.
        return $"se activó la regla «{signal.SourceName}»";
    }

    private static string Where(EcsEvent subject)
    {
        if (subject.Process is { } p && (p.Name is not null || p.Executable is not null))
        {
            var name = p.Name ?? PathClassifier.FileName(p.Executable!);
            var path = p.Executable is { Length: > 0 } exe && exe != name ? $", {exe}" : string.Empty;
            return $", en el proceso {name} (pid {p.Pid}{path})";
        }

        if (subject.File?.Path is { } file)
        {
            return $", en el archivo {file}";
        }

        if (subject.Destination?.Ip is { } ip)
        {
            return $", hacia {ip}{(subject.Destination.Port is { } port ? $" puerto {port}" : string.Empty)}";
        }

        return subject.User?.Name is { } user ? $", para el usuario {user}" : string.Empty;
    }
}
