using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Builds small rules and events for the engine tests.</summary>
internal static class SigmaTestRules
{
    public static SigmaLoadResult LoadOne(string detection, string category = "process_creation", string extra = "")
    {
        var yaml = $"""
            title: test rule
            id: 00000000-0000-0000-0000-000000000001
            status: test
            level: high
            author: Tester
            tags:
                - attack.t1059.004
                - attack.t1562.001
            logsource:
                product: linux
                category: {category}
            {extra}detection:
            {Indent(detection)}
            """;
        return Assert.Single(SigmaRuleLoader.Load("test.yml", yaml, SigmaRuleSource.External));
    }

    public static SigmaRule Compile(string detection, string category = "process_creation")
    {
        var result = LoadOne(detection, category);
        Assert.True(result.Status == SigmaLoadStatus.Ok, result.Reason);
        return result.Rule!;
    }

    public static EcsEvent Process(string commandLine, string executable = "/usr/bin/bash", string? parent = null, string? user = "root",
        string? cwd = "/root") => new()
    {
        Timestamp = SampleEvents.Now,
        Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.Process], Type = [EventTypes.Start] },
        Process = new ProcessFields
        {
            Pid = 4242,
            EntityId = "e-4242",
            Name = executable[(executable.LastIndexOf('/') + 1)..],
            Executable = executable,
            CommandLine = commandLine,
            WorkingDirectory = cwd,
            User = user is null ? null : new UserFields { Id = "0", Name = user },
            Parent = parent is null ? null : new ProcessFields { Pid = 1, Executable = parent, CommandLine = parent },
        },
    };

    private static string Indent(string text) =>
        string.Join('\n', text.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => "    " + l));
}
