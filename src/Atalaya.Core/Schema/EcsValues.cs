namespace Atalaya.Core.Schema;

/// <summary>The ECS allowed values Atalaya uses for <c>event.kind</c>.</summary>
public static class EventKinds
{
    public const string Event = "event";
    public const string Alert = "alert";
    public const string State = "state";
    public const string Metric = "metric";
}

/// <summary>The ECS allowed values Atalaya uses for <c>event.category</c>.</summary>
public static class EventCategories
{
    public const string Process = "process";
    public const string Network = "network";
    public const string File = "file";
    public const string Configuration = "configuration";
    public const string Authentication = "authentication";
    public const string Iam = "iam";
    public const string Host = "host";
    public const string Package = "package";
    public const string Malware = "malware";
    public const string Driver = "driver";
}

/// <summary>The ECS allowed values Atalaya uses for <c>event.type</c>.</summary>
public static class EventTypes
{
    public const string Start = "start";
    public const string End = "end";
    public const string Connection = "connection";
    public const string Change = "change";
    public const string Creation = "creation";
    public const string Deletion = "deletion";
    public const string Info = "info";
    public const string Indicator = "indicator";
    public const string Access = "access";
    public const string User = "user";
    public const string Group = "group";
    public const string Admin = "admin";
}

/// <summary>The ECS allowed values of <c>event.outcome</c>.</summary>
public static class EventOutcomes
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Unknown = "unknown";
}

/// <summary><c>event.dataset</c> values, one per Atalaya source.</summary>
public static class Datasets
{
    public const string Process = "atalaya.process";
    public const string Network = "atalaya.network";
    public const string File = "atalaya.file";
    public const string Alert = "atalaya.alert";
    public const string Persistence = "atalaya.persistence";
    public const string Account = "atalaya.account";
    public const string Authentication = "atalaya.auth";
    public const string Metrics = "atalaya.metrics";
    public const string Service = "atalaya.service";
}
