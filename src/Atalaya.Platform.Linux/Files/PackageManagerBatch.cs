using Atalaya.Core.Analytics;
using Atalaya.Core.Schema;

namespace Atalaya.Platform.Linux.Files;

/// <summary>
/// The files one package-manager run wrote, gathered into one event: an upgrade rewrites thousands of
/// files in /usr/bin and /etc, each a legitimate change by dpkg, and thousands of file events would
/// bury everything else. Counts by outcome, the first paths, the writers, and the package names the
/// writers' command lines give (<c>*.deb</c> arguments, <c>--remove NAME</c>). Pure: time is passed in
/// as TimeProvider ticks; bounded: only counts grow with the batch size.
/// </summary>
public sealed class PackageManagerBatch
{
    private const int MaxWriters = 8;
    private const int MaxPackages = 256;
    private const int MaxProbePaths = 256;

    private readonly int _samplePaths;
    private readonly List<string> _paths = [];
    private readonly List<string> _probePaths = [];
    private readonly List<ProcessFields> _writers = [];
    private readonly SortedSet<string> _packages = new(StringComparer.Ordinal);

    public PackageManagerBatch(long firstTimestamp, int samplePaths)
    {
        FirstTimestamp = firstTimestamp;
        LastTimestamp = firstTimestamp;
        _samplePaths = Math.Max(0, samplePaths);
    }

    public long FirstTimestamp { get; }

    public long LastTimestamp { get; private set; }

    public int Created { get; private set; }

    public int Modified { get; private set; }

    public int Deleted { get; private set; }

    public int Files => Created + Modified + Deleted;

    /// <summary>
    /// Changes left out of the counts: the path was gone at the stat although its own events leave it in
    /// place, so a later change removed or moved it and counts for it (dpkg's NAME.dpkg-new, written
    /// then renamed over NAME once the whole package is unpacked, is counted as NAME, not as a deletion).
    /// </summary>
    public int Superseded { get; private set; }

    /// <summary>Raw kernel events behind the batch's changes.</summary>
    public long RawEvents { get; private set; }

    public IReadOnlyList<string> SamplePaths => _paths;

    public IReadOnlyList<ProcessFields> Writers => _writers;

    /// <summary>Up to 256 regular files that exist after the change: where the package database is asked who owns them.</summary>
    public IReadOnlyList<string> ProbePaths => _probePaths;

    public IReadOnlyCollection<string> Packages => _packages;

    /// <summary>Whether this change belongs in a batch: its writer is a package manager by name or executable.</summary>
    public static bool IsPackageManagerChange(CoalescedFileChange change) =>
        change.Writer is { } writer && PackageManagers.IsPackageManager(writer.Name, writer.Executable);

    /// <param name="existsNow">Whether the path exists after the window (from a stat), null when unknown.</param>
    /// <param name="existedBefore">
    /// Whether the path was there before (from the sensor's baseline), null when unknown. dpkg unpacks to
    /// NAME.dpkg-new and renames it over NAME, which the coalescer hands over as a creation of NAME whether
    /// NAME existed or not: only the baseline tells an upgrade's replacement from a new file.
    /// </param>
    public void Add(CoalescedFileChange change, bool? existsNow, bool? existedBefore, long now)
    {
        ArgumentNullException.ThrowIfNull(change);
        LastTimestamp = Math.Max(LastTimestamp, now);
        RawEvents += change.Count;
        var superseded = existsNow == false && change.ExistsAtEnd;
        if (superseded)
        {
            // The window closed before the rename or removal was read (a slow unpack, a reader that keeps up):
            // that later change counts, here as the rename's target or as the removal.
            Superseded++;
        }
        else if (!(existsNow ?? change.ExistsAtEnd))
        {
            Deleted++;
        }
        else if (existedBefore ?? !change.StartedWithCreation)
        {
            Modified++;
        }
        else
        {
            Created++;
        }

        if (_paths.Count < _samplePaths && !superseded)
        {
            _paths.Add(change.Path);
        }

        if (_probePaths.Count < MaxProbePaths && !change.IsDirectory && (existsNow ?? change.ExistsAtEnd))
        {
            _probePaths.Add(change.Path);
        }

        if (change.Writer is { } writer && _writers.Count < MaxWriters && !_writers.Exists(w => w.Pid == writer.Pid))
        {
            _writers.Add(writer);
            if (writer.Args is { } args)
            {
                AddPackagesFromArguments(args, _packages);
            }
        }
    }

    /// <summary>A package name learned elsewhere (the package database's owner of a batched path).</summary>
    public void AddPackage(string name)
    {
        if (_packages.Count < MaxPackages && name.Length > 0)
        {
            _packages.Add(name);
        }
    }

    /// <summary>
    /// Package names in a package manager's arguments: each <c>*.deb</c> file
    /// (<c>/var/cache/apt/archives/openssh-server_1%3a9.2p1-2_amd64.deb</c> names openssh-server, the
    /// part before the first '_' as apt and dpkg-name write it), and the operands of dpkg's
    /// <c>-r/--remove/-P/--purge</c> (<c>libfoo:amd64</c> names libfoo).
    /// </summary>
    public static void AddPackagesFromArguments(IReadOnlyList<string> args, ISet<string> names)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(names);
        var removing = false;
        for (var i = 1; i < args.Count && names.Count < MaxPackages; i++)
        {
            var arg = args[i].AsSpan();
            if (arg.StartsWith("-"))
            {
                removing = arg is "-r" or "--remove" or "-P" or "--purge";
                continue;
            }

            // An rpm file name (name-version-release.arch.rpm) cannot be split without the header, since
            // names contain '-' too: rpm batches name their packages from the database's owners only.
            if (arg.EndsWith(".deb", StringComparison.Ordinal))
            {
                var file = arg[(arg.LastIndexOf('/') + 1)..^4];
                var underscore = file.IndexOf('_');
                AddName(underscore > 0 ? file[..underscore] : file, names);
            }
            else if (removing)
            {
                var colon = arg.IndexOf(':');
                AddName(colon > 0 ? arg[..colon] : arg, names);
            }
        }
    }

    /// <summary>Debian package names: lower-case letters, digits and <c>+ - .</c>, starting alphanumeric.</summary>
    private static void AddName(ReadOnlySpan<char> name, ISet<string> names)
    {
        if (name.Length is 0 or > 128 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '+' or '-' or '.'))
            {
                return;
            }
        }

        names.Add(name.ToString());
    }
}
