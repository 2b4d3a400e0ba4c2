namespace Atalaya.Platform.Linux.Persistence;

/// <summary>One key line of authorized_keys (sshd(8) AUTHORIZED_KEYS FILE FORMAT).</summary>
public sealed record AuthorizedKey
{
    /// <summary>The options field as written (<c>command="...",no-pty</c>), or null.</summary>
    public string? Options { get; init; }

    /// <summary>The forced command from <c>command="..."</c>, unescaped.</summary>
    public string? Command { get; init; }

    public required string KeyType { get; init; }

    public required string KeyBlob { get; init; }

    public string? Comment { get; init; }

    /// <summary>SHA256 fingerprint as ssh-keygen -l prints it (<c>SHA256:base64-without-padding</c>); null when the blob is not base64.</summary>
    public string? Fingerprint { get; init; }
}
