namespace Atalaya.Platform.Linux.Packages;

/// <summary>
/// What a package manager knows about the files it installed: who owns a path and whether the file
/// still has the content the package shipped. dpkg is the only implementation so far; an rpm one would
/// read the rpmdb (sqlite in /var/lib/rpm/rpmdb.sqlite on current distributions) and compare SHA-256
/// file digests, behind the same two questions.
/// </summary>
public interface IPackageDatabase
{
    /// <summary>Short name of the package manager: dpkg, rpm.</summary>
    string Kind { get; }

    /// <summary>False when the database is absent on this host (an rpm host has no /var/lib/dpkg).</summary>
    bool IsAvailable { get; }

    /// <summary>The package whose file list names <paramref name="path"/> (absolute, as seen on the host), or null.</summary>
    PackageOwner? FindOwner(string path);

    /// <summary>Compares the file's content with the digest its package recorded. Never throws for I/O reasons.</summary>
    PackageVerification Verify(string path);
}
