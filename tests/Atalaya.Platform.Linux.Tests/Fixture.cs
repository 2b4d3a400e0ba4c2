namespace Atalaya.Platform.Linux.Tests;

/// <summary>Recorded inputs copied next to the test assembly (Fixtures/**).</summary>
internal static class Fixture
{
    public static string PathOf(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static byte[] Bytes(params string[] parts) => File.ReadAllBytes(PathOf(parts));

    public static string Text(params string[] parts) => File.ReadAllText(PathOf(parts));
}
