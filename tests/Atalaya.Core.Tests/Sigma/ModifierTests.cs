using Atalaya.Core.Detection.Sigma;
using Atalaya.Core.Schema;

namespace Atalaya.Core.Tests.Sigma;

/// <summary>Values, wildcards and every supported modifier, matched against a command line.</summary>
public sealed class ModifierTests
{
    [Theory]
    // Plain values: exact, case-insensitive.
    [InlineData("CommandLine: 'id -u'", "ID -U", true)]
    [InlineData("CommandLine: 'id -u'", "id -un", false)]
    // Wildcards, escapes.
    [InlineData("CommandLine: 'cat */shadow'", "cat /etc/shadow", true)]
    [InlineData("CommandLine: 'cat */shadow'", "cat /etc/shadow.bak", false)]
    [InlineData("CommandLine: 'a?c'", "abc", true)]
    [InlineData("CommandLine: 'a?c'", "abbc", false)]
    [InlineData("CommandLine: '*a*b?d*'", "xxaYYbcdZZ", true)]
    [InlineData("CommandLine: '*a*b?d*'", "xxaYYbdZZ", false)]
    [InlineData("CommandLine: 'ab*ba'", "aba", false)]
    [InlineData("CommandLine: 'ab*ba'", "abba", true)]
    [InlineData("CommandLine: 'echo \\*'", "echo *", true)]
    [InlineData("CommandLine: 'echo \\*'", "echo x", false)]
    [InlineData("CommandLine: 'what\\?'", "what?", true)]
    [InlineData("CommandLine: 'what\\?'", "whats", false)]
    [InlineData("CommandLine: 'c:\\\\*'", "c:\\windows", true)]
    [InlineData("CommandLine: 'C:\\Windows'", "c:\\windows", true)]
    [InlineData("CommandLine: '*'", "anything", true)]
    // contains / startswith / endswith, with wildcards inside.
    [InlineData("CommandLine|contains: 'base64 -d'", "echo x | BASE64 -D | sh", true)]
    [InlineData("CommandLine|contains: 'base64*sh'", "echo x | base64 -d | sh", true)]
    [InlineData("CommandLine|startswith: 'curl '", "curl http://x", true)]
    [InlineData("CommandLine|startswith: 'curl '", "xcurl http://x", false)]
    [InlineData("CommandLine|endswith: '| sh'", "curl x | sh", true)]
    [InlineData("CommandLine|endswith: '| sh'", "curl x | shx", false)]
    // Lists: OR, or AND with |all.
    [InlineData("CommandLine|contains: [wget, curl]", "curl x", true)]
    [InlineData("CommandLine|contains|all: [wget, curl]", "curl x", false)]
    [InlineData("CommandLine|contains|all: [wget, curl]", "wget x; curl y", true)]
    [InlineData("CommandLine|endswith: [/sh, /bash]", "/bin/bash", true)]
    [InlineData("CommandLine: [a, b, c]", "B", true)]
    [InlineData("CommandLine: [a, b, c]", "d", false)]
    // cased.
    [InlineData("CommandLine|cased: 'RCE'", "rce", false)]
    [InlineData("CommandLine|contains|cased: 'RCE'", "poc RCE", true)]
    [InlineData("CommandLine|contains|cased: [RCE, CVE]", "poc rce cve", false)]
    // re (case-sensitive by default), with i / m / s.
    [InlineData("CommandLine|re: '\\s-O\\s'", "wget -O /tmp/x", true)]
    [InlineData("CommandLine|re: '\\s-O\\s'", "wget -o /tmp/x", false)]
    [InlineData("CommandLine|re|i: '\\s-O\\s'", "wget -o /tmp/x", true)]
    [InlineData("CommandLine|re|m: '^b$'", "a\nb\nc", true)]
    [InlineData("CommandLine|re|s: 'a.c'", "a\nc", true)]
    [InlineData("CommandLine|re: 'a.c'", "a\nc", false)]
    [InlineData("CommandLine|re: '(?<=x)y'", "xy", true)]
    // windash: - and / and typographic dashes at option starts.
    [InlineData("CommandLine|windash|contains: ' -enc '", "powershell /enc abc", true)]
    [InlineData("CommandLine|windash|contains: ' -enc '", "powershell \u2013enc abc", true)]
    [InlineData("CommandLine|windash|contains: ' -enc '", "powershell \u2014enc x", true)]
    [InlineData("CommandLine|windash|contains: ' -enc '", "p  \u2015enc x", true)]
    [InlineData("CommandLine|windash|contains: ' -enc '", "powershell +enc x", false)]
    [InlineData("CommandLine|windash: '-enc'", "/enc", true)]
    [InlineData("CommandLine|windash: '-enc'", "\u2014enc", true)]
    // base64 / base64offset / utf16 variants (values from pySigma's documentation).
    [InlineData("CommandLine|base64: 'http://'", "aHR0cDovLw==", true)]
    [InlineData("CommandLine|base64|contains: 'http://'", "xx aHR0cDovLw== yy", true)]
    [InlineData("CommandLine|base64offset|contains: 'http://'", "...aHR0cDovL...", true)]
    [InlineData("CommandLine|base64offset|contains: 'http://'", "...odHRwOi8v...", true)]
    [InlineData("CommandLine|base64offset|contains: 'http://'", "...h0dHA6Ly...", true)]
    [InlineData("CommandLine|base64offset|contains: 'http://'", "...aHR0cHM6Ly...", false)]
    [InlineData("CommandLine|utf16le|base64offset|contains: 'ping'", "cABpAG4AZw", true)]
    [InlineData("CommandLine|wide|base64: 'ab'", "YQBiAA==", true)]
    [InlineData("CommandLine|utf16be|base64: 'ab'", "AGEAYg==", true)]
    [InlineData("CommandLine|utf16|base64: 'ab'", "//5hAGIA", true)]
    public void Values_and_modifiers_match_as_specified(string item, string commandLine, bool expected)
    {
        var rule = SigmaTestRules.Compile("selection:\n    " + item + "\ncondition: selection");
        Assert.Equal(expected, rule.Matches(SigmaTestRules.Process(commandLine)));
    }

    [Theory]
    [InlineData("DestinationIp|cidr: 10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("DestinationIp|cidr: 10.0.0.0/8", "11.1.2.3", false)]
    [InlineData("DestinationIp|cidr: [192.168.0.0/16, 172.16.0.0/12]", "172.31.255.255", true)]
    [InlineData("DestinationIp|cidr: [192.168.0.0/16, 172.16.0.0/12]", "172.32.0.1", false)]
    [InlineData("DestinationIp|cidr: 10.0.0.0/8", "::ffff:10.9.9.9", true)]
    [InlineData("DestinationIp|cidr: 'fe80::/10'", "fe80::1", true)]
    [InlineData("DestinationIp|cidr: 'fe80::/10'", "fec0::1", false)]
    [InlineData("DestinationIp|cidr: '2001:db8::/32'", "2001:db8:ffff::1", true)]
    [InlineData("DestinationIp|cidr: '2001:db8::/32'", "10.0.0.1", false)]
    [InlineData("DestinationIp|cidr: 10.0.0.0/8", "not an ip", false)]
    [InlineData("DestinationPort: 4444", "", true)]
    [InlineData("DestinationPort: [22, 4444]", "", true)]
    [InlineData("DestinationPort: 443", "", false)]
    [InlineData("DestinationPort|gt: 4000", "", true)]
    [InlineData("DestinationPort|gte: 4444", "", true)]
    [InlineData("DestinationPort|lt: 4444", "", false)]
    [InlineData("DestinationPort|lte: 4444", "", true)]
    [InlineData("DestinationPort: '44*'", "", true)]
    [InlineData("Initiated: 'true'", "", true)]
    [InlineData("Initiated: 'false'", "", false)]
    [InlineData("DestinationHostname|exists: true", "", false)]
    [InlineData("DestinationHostname|exists: false", "", true)]
    [InlineData("DestinationHostname: null", "", true)]
    [InlineData("DestinationIp: null", "", false)]
    [InlineData("SourceIp|fieldref: DestinationIp", "", false)]
    [InlineData("Image|fieldref|endswith: DestinationHostname", "", false)]
    public void Network_fields_compare_as_addresses_numbers_and_translated_values(string item, string destinationIp, bool expected)
    {
        var rule = SigmaTestRules.Compile("selection:\n    " + item + "\ncondition: selection", "network_connection");
        var connection = SampleEvents.Connection("/usr/bin/nc", 77, destinationIp.Length > 0 ? destinationIp : "203.0.113.5", 4444);
        Assert.Equal(expected, rule.Matches(connection));
    }

    [Fact]
    public void Fieldref_compares_two_fields_of_the_same_event()
    {
        var rule = SigmaTestRules.Compile("selection:\n    ParentImage|fieldref: Image\ncondition: selection");
        Assert.True(rule.Matches(SigmaTestRules.Process("x", "/usr/bin/bash", parent: "/usr/bin/BASH")));
        Assert.False(rule.Matches(SigmaTestRules.Process("x", "/usr/bin/bash", parent: "/usr/bin/sh")));
    }

    [Fact]
    public void Keywords_search_every_text_field_and_the_raw_line()
    {
        var rule = SigmaTestRules.Compile("keywords:\n    - 'authorized_keys'\n    - 'ld.so.preload'\ncondition: keywords");
        Assert.True(rule.Matches(SigmaTestRules.Process("echo x >> /root/.ssh/AUTHORIZED_KEYS")));
        Assert.True(rule.Matches(SigmaTestRules.Process("id", "/tmp/ld.so.preload-writer")));
        Assert.False(rule.Matches(SigmaTestRules.Process("id")));
        Assert.True(rule.Matches(SigmaTestRules.Process("id"), "sshd[1]: wrote /etc/ld.so.preload"));

        var all = SigmaTestRules.Compile("keywords:\n    '|all':\n        - 'chmod'\n        - '4755'\ncondition: keywords");
        Assert.True(all.Matches(SigmaTestRules.Process("chmod 4755 /tmp/x")));
        Assert.False(all.Matches(SigmaTestRules.Process("chmod 755 /tmp/x")));
    }

    [Fact]
    public void Lists_of_maps_are_or_and_maps_are_and()
    {
        var rule = SigmaTestRules.Compile("""
            selection:
                - Image|endswith: /nc
                  CommandLine|contains: ' -e '
                - Image|endswith: /socat
            condition: selection
            """);
        Assert.True(rule.Matches(SigmaTestRules.Process("nc -e /bin/sh h 1", "/usr/bin/nc")));
        Assert.False(rule.Matches(SigmaTestRules.Process("nc -z h 1", "/usr/bin/nc")));
        Assert.True(rule.Matches(SigmaTestRules.Process("socat -", "/usr/bin/socat")));
    }

    [Fact]
    public void Null_means_absent_or_empty_and_exists_checks_presence()
    {
        var noUser = SigmaTestRules.Process("id", user: null, cwd: "");
        var absent = SigmaTestRules.Compile("selection:\n    User: null\ncondition: selection");
        Assert.True(absent.Matches(noUser));
        Assert.False(absent.Matches(SigmaTestRules.Process("id")));

        var emptyCwd = SigmaTestRules.Compile("selection:\n    CurrentDirectory: null\ncondition: selection");
        Assert.True(emptyCwd.Matches(noUser));

        var exists = SigmaTestRules.Compile("selection:\n    User|exists: true\ncondition: selection");
        Assert.True(exists.Matches(SigmaTestRules.Process("id")));
        Assert.False(exists.Matches(noUser));

        // A value test on an absent field is false, so 'not' of it is true.
        var negated = SigmaTestRules.Compile("selection:\n    User: root\ncondition: not selection");
        Assert.True(negated.Matches(noUser));
    }

    [Fact]
    public void Ecs_names_work_as_field_names_too()
    {
        var rule = SigmaTestRules.Compile("selection:\n    process.name: bash\n    process.user.name: root\ncondition: selection");
        Assert.True(rule.Matches(SigmaTestRules.Process("bash")));
    }

    [Fact]
    public void A_match_explains_the_field_value_and_the_test()
    {
        var rule = SigmaTestRules.Compile("""
            sel_img:
                Image|endswith: [/bash, /sh]
            sel_cli:
                CommandLine|contains: 'base64 -d'
            filter:
                User: nobody
            condition: all of sel_* and not filter
            """);
        var value = SigmaTestRules.Process("echo x | base64 -d | sh");
        Assert.True(rule.Matches(value));
        var explanation = rule.Explain(value);
        Assert.Equal("Image|endswith ends with any of '/bash', '/sh' (process.executable = \"/usr/bin/bash\"); " +
                     "CommandLine|contains contains 'base64 -d' (process.command_line = \"echo x | base64 -d | sh\")", explanation);
    }

    [Fact]
    public void Metadata_becomes_techniques_weight_confidence_and_attribution()
    {
        var rule = SigmaTestRules.Compile("selection:\n    CommandLine: x\ncondition: selection");
        Assert.Equal("00000000-0000-0000-0000-000000000001", rule.Id);
        Assert.Equal("test rule", rule.Title);
        Assert.Equal(["T1059.004", "T1685"], rule.Techniques); // T1562.001 is T1685 since ATT&CK v19
        Assert.Equal(80, rule.Weight);
        Assert.Equal(0.8, rule.Confidence);
        Assert.Equal("Tester", rule.Author);
        Assert.Equal("Atalaya", rule.License); // not under a 'sigma' folder, no license key
        Assert.Equal("test.yml", rule.Reference);
        Assert.Equal(SigmaEventKind.ProcessCreation, rule.EventKind);
    }

    [Theory]
    [InlineData("informational", 10)]
    [InlineData("low", 35)]
    [InlineData("medium", 60)]
    [InlineData("high", 80)]
    [InlineData("critical", 95)]
    public void Levels_map_to_weights(string level, int weight) => Assert.Equal(weight, SigmaScoring.Weight(level));

    [Theory]
    [InlineData("stable", 0.9)]
    [InlineData("test", 0.8)]
    [InlineData("experimental", 0.7)]
    [InlineData(null, 0.6)]
    public void Statuses_map_to_confidence(string? status, double confidence) => Assert.Equal(confidence, SigmaScoring.Confidence(status));

    [Fact]
    public void The_license_key_wins_then_the_source_then_the_sigma_folder()
    {
        Assert.Equal("MIT", SigmaRuleSource.External.ResolveLicense("MIT", "/x/sigma/rules/a.yml"));
        Assert.Equal("DRL-1.1", SigmaRuleSource.External.ResolveLicense(null, "/work/shared/sigma/rules/linux/a.yml"));
        Assert.Equal("Atalaya", SigmaRuleSource.External.ResolveLicense(null, "/etc/my-rules/a.yml"));
        Assert.Equal("Atalaya", SigmaRuleSource.Shipped.ResolveLicense(null, "/opt/atalaya/rules/sigma/a.yml"));
    }

    [Fact]
    public void Events_reach_only_the_rules_of_their_kind()
    {
        Assert.Equal(SigmaEventKind.ProcessCreation, SigmaRuleSet.KindOf(SigmaTestRules.Process("x")));
        Assert.Equal(SigmaEventKind.NetworkConnection, SigmaRuleSet.KindOf(SampleEvents.Connection("/x", 1, "203.0.113.1", 80)));
        Assert.Null(SigmaRuleSet.KindOf(SampleEvents.Listener("/x", 1, "all-interfaces")));
        Assert.Null(SigmaRuleSet.KindOf(SampleEvents.Process("/x", type: EventTypes.End)));
        var file = new EcsEvent
        {
            Timestamp = SampleEvents.Now,
            Event = new EventFields { Kind = EventKinds.Event, Category = [EventCategories.File], Type = [EventTypes.Creation] },
            File = new FileFields { Path = "/etc/ld.so.preload" },
        };
        Assert.Equal(SigmaEventKind.FileEvent, SigmaRuleSet.KindOf(file));

        var set = SigmaRuleSet.Create([
            SigmaTestRules.LoadOne("selection:\n    TargetFilename|contains: ld.so\ncondition: selection", "file_event"),
        ]);
        var analytic = new SigmaAnalytic(set);
        var sink = new ListSink();
        analytic.Observe(SigmaTestRules.Process("ld.so"), sink);
        Assert.Empty(sink.Signals);
        analytic.Observe(file, sink);
        var signal = Assert.Single(sink.Signals);
        Assert.Equal(Atalaya.Core.Analytics.SignalDomain.File, signal.Domain);
        Assert.Equal("file:/etc/ld.so.preload", signal.EntityKey);
    }

    internal sealed class ListSink : Atalaya.Core.Analytics.ISignalSink
    {
        public List<Atalaya.Core.Analytics.Signal> Signals { get; } = [];

        public void Emit(Atalaya.Core.Analytics.Signal signal) => Signals.Add(signal);
    }
}
