namespace Atalaya.Platform.Linux.Persistence;

/// <summary>One <c>Key=Value</c> of a systemd unit or XDG desktop file, with its section and first line number.</summary>
public readonly record struct IniSetting(string Section, string Key, string Value, int Line);
