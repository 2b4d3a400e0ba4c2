namespace Atalaya.Platform.Linux.Packages;

/// <summary>Outcome of comparing a file with its package's recorded digest.</summary>
public enum PackageVerificationStatus
{
    /// <summary>The file has the content the package shipped.</summary>
    Verified,

    /// <summary>The file differs from the recorded digest: modified after installation.</summary>
    Mismatch,

    /// <summary>No installed package names this path.</summary>
    NotOwned,

    /// <summary>
    /// Owned, but no digest to compare: conffiles (which administrators are expected to edit, so dpkg
    /// keeps them out of md5sums) and packages installed without an md5sums file.
    /// </summary>
    NoDigest,

    /// <summary>Owned and digested, but the file could not be read (gone, not a regular file, denied).</summary>
    Unreadable,
}

/// <summary>Verification result with the owning package when there is one.</summary>
public readonly record struct PackageVerification(PackageVerificationStatus Status, PackageOwner? Owner)
{
    /// <summary>true = matches, false = modified, null = nothing to compare (for <c>atalaya.file.package_verified</c>).</summary>
    public bool? Verified => Status switch
    {
        PackageVerificationStatus.Verified => true,
        PackageVerificationStatus.Mismatch => false,
        _ => null,
    };
}
