namespace Atalaya.Platform.Linux.Audit;

/// <summary>The kernel refused an audit request; <see cref="Errno"/> says why (EPERM, EEXIST, EINVAL...).</summary>
public sealed class AuditException : Exception
{
    public AuditException(string message, int errno)
        : base($"{message}: errno {errno}")
    {
        Errno = errno;
    }

    public AuditException()
    {
    }

    public AuditException(string message)
        : base(message)
    {
    }

    public AuditException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Errno { get; }
}
