using Atalaya.Core.Analytics;

namespace Atalaya.Core.Tests.Analytics;

public sealed class ClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1", AddressClass.Loopback)]
    [InlineData("127.8.9.10", AddressClass.Loopback)]
    [InlineData("::1", AddressClass.Loopback)]
    [InlineData("10.1.2.3", AddressClass.Private)]
    [InlineData("172.16.0.1", AddressClass.Private)]
    [InlineData("172.32.0.1", AddressClass.Public)]
    [InlineData("192.168.0.1", AddressClass.Private)]
    [InlineData("100.64.0.1", AddressClass.CarrierGradeNat)]
    [InlineData("169.254.1.1", AddressClass.LinkLocal)]
    [InlineData("fe80::1", AddressClass.LinkLocal)]
    [InlineData("224.0.0.251", AddressClass.Multicast)]
    [InlineData("ff02::fb", AddressClass.Multicast)]
    [InlineData("198.51.100.10", AddressClass.Documentation)]
    [InlineData("203.0.113.5", AddressClass.Documentation)]
    [InlineData("2001:db8::1", AddressClass.Documentation)]
    [InlineData("fd00::1", AddressClass.Private)]
    [InlineData("0.0.0.0", AddressClass.Unspecified)]
    [InlineData("::", AddressClass.Unspecified)]
    [InlineData("::ffff:10.0.0.1", AddressClass.Private)]
    [InlineData("8.8.8.8", AddressClass.Public)]
    [InlineData("2a00:1450::1", AddressClass.Public)]
    [InlineData("not an ip", AddressClass.Unspecified)]
    public void Addresses_are_classified(string ip, AddressClass expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(ip));

    [Theory]
    [InlineData("/tmp/a", true, true)]
    [InlineData("/var/tmp/a", true, true)]
    [InlineData("/dev/shm/a", true, true)]
    [InlineData("/home/ana/bin/a", false, true)]
    [InlineData("/tmpfoo/a", false, false)]
    [InlineData("/usr/bin/a", false, false)]
    public void Paths_are_classified(string path, bool temporary, bool userWritable)
    {
        Assert.Equal(temporary, PathClassifier.IsTemporary(path));
        Assert.Equal(userWritable, PathClassifier.IsUserWritable(path));
    }

    [Theory]
    [InlineData("/tmp/.x/a", true)]
    [InlineData("/home/a/.local/bin/tool", true)]
    [InlineData("/home/a/.bashrc", false)]
    [InlineData("/usr/bin/../bin/ls", false)]
    [InlineData("/", false)]
    [InlineData("a", false)]
    public void Hidden_directories_are_found(string path, bool hidden) =>
        Assert.Equal(hidden, PathClassifier.HasHiddenDirectory(path));
}
