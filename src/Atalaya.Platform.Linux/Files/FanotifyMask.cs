namespace Atalaya.Platform.Linux.Files;

/// <summary>Event bits of linux/fanotify.h that the file sensor asks for or must recognise.</summary>
public static class FanotifyMask
{
    public const ulong Modify = 0x2;
    public const ulong Attrib = 0x4;
    public const ulong CloseWrite = 0x8;
    public const ulong MovedFrom = 0x40;
    public const ulong MovedTo = 0x80;
    public const ulong Create = 0x100;
    public const ulong Delete = 0x200;
    public const ulong DeleteSelf = 0x400;
    public const ulong MoveSelf = 0x800;
    public const ulong QueueOverflow = 0x4000;

    /// <summary>Linux 5.17+: one event naming both the old and the new directory+name of a rename.</summary>
    public const ulong Rename = 0x10000000;
    public const ulong EventOnChild = 0x08000000;
    public const ulong OnDirectory = 0x40000000;

    /// <summary>What the sensor requests when the kernel knows FAN_RENAME (moves arrive as one event with both names).</summary>
    public const ulong WithRename = Create | Modify | CloseWrite | Delete | Attrib | Rename | OnDirectory | EventOnChild;

    /// <summary>Before 5.17: moves arrive as an unpaired MOVED_FROM and MOVED_TO.</summary>
    public const ulong WithoutRename = Create | Modify | CloseWrite | MovedFrom | MovedTo | Delete | Attrib | OnDirectory | EventOnChild;
}
