using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests;

/// <summary>Events shaped like the Linux collectors' output, for engine and schema tests.</summary>
internal static class SampleEvents
{
    public static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public static EcsEvent Process(string executable, string? name = null, int pid = 4242, string kind = EventKinds.State,
        string type = EventTypes.Info, bool deleted = false, string? entityId = null) => new()
    {
        Timestamp = Now,
        Event = new EventFields
        {
            Kind = kind,
            Category = [EventCategories.Process],
            Type = [type],
            Action = "process-running",
            Dataset = Datasets.Process,
            Module = "atalaya",
        },
        Process = new ProcessFields
        {
            Pid = pid,
            EntityId = entityId ?? $"entity-{pid}",
            Name = name ?? executable[(executable.LastIndexOf('/') + 1)..],
            Executable = executable,
            CommandLine = executable,
            Args = [executable],
            ArgsCount = 1,
        },
        Atalaya = deleted ? new AtalayaFields { Process = new AtalayaProcessFields { ExecutableDeleted = true } } : null,
    };

    public static EcsEvent Listener(string executable, int pid, string exposure, int port = 4444, string? entityId = null) => new()
    {
        Timestamp = Now,
        Event = new EventFields
        {
            Kind = EventKinds.State,
            Category = [EventCategories.Network],
            Type = [EventTypes.Info],
            Action = "listening",
            Dataset = Datasets.Network,
        },
        Process = new ProcessFields { Pid = pid, Executable = executable, EntityId = entityId, Name = executable[(executable.LastIndexOf('/') + 1)..] },
        Source = new EndpointFields { Ip = exposure == "all-interfaces" ? "0.0.0.0" : "127.0.0.1", Port = port },
        Network = new NetworkFields { Transport = "tcp", Direction = "listening", Type = "ipv4" },
        Atalaya = new AtalayaFields { Network = new AtalayaNetworkFields { State = "LISTEN", Exposure = exposure, Inode = 12345 } },
    };

    public static EcsEvent Connection(string executable, int pid, string remoteIp, int remotePort, string direction = "egress") => new()
    {
        Timestamp = Now,
        Event = new EventFields
        {
            Kind = EventKinds.Event,
            Category = [EventCategories.Network],
            Type = [EventTypes.Connection, EventTypes.Start],
            Action = "connection-opened",
            Dataset = Datasets.Network,
        },
        Process = new ProcessFields { Pid = pid, Executable = executable },
        Source = new EndpointFields { Ip = "10.0.0.5", Port = 51000 },
        Destination = new EndpointFields { Ip = remoteIp, Port = remotePort },
        Network = new NetworkFields { Transport = "tcp", Direction = direction, Type = "ipv4" },
    };
}
