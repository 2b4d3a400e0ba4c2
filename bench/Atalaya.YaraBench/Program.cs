using System.Diagnostics;
using System.Text;
using Atalaya.Platform.Linux.Yara;

// Usage: dotnet run -c Release --project bench/Atalaya.YaraBench [RULES_DIR]
// Default rules: rules/yara of the source tree plus 50 synthetic string rules, so the Aho-Corasick
// automaton has a realistic number of atoms.
var rulesDir = args.Length > 0 ? args[0] : Path.Combine(FindRoot(), "rules", "yara");
var work = Directory.CreateTempSubdirectory("atalaya-yarabench-");
try
{
    var folder = Directory.CreateDirectory(Path.Combine(work.FullName, "rules")).FullName;
    foreach (var file in Directory.EnumerateFiles(rulesDir, "*.yar*"))
    {
        File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
    }

    var synthetic = new StringBuilder();
    for (var i = 0; i < 50; i++)
    {
        synthetic.Append($"rule synthetic_{i} {{ strings: $a = \"atalaya-bench-{i:D3}-marker\" $b = {{ 4D 5A 90 00 {i:X2} 3C }} condition: $a or $b }}\n");
    }

    File.WriteAllText(Path.Combine(folder, "synthetic.yar"), synthetic.ToString());
    var compile = Stopwatch.StartNew();
    var compilation = YaraCompiler.CompileFolder(folder);
    compile.Stop();
    if (compilation.Rules is not { } rules)
    {
        Console.Error.WriteLine("yara unavailable or no rules: " + (compilation.UnavailableReason ?? string.Join("; ", compilation.Errors)));
        return 2;
    }

    Console.WriteLine($"rules: {rules.RuleCount} from {compilation.FilesCompiled.Count} files, compiled in {compile.Elapsed.TotalMilliseconds:F0} ms");

    // 1. In-memory throughput over 64 MiB of random bytes (no I/O).
    var buffer = new byte[64 << 20];
    new Random(7).NextBytes(buffer);
    rules.ScanMemory(buffer.AsSpan(0, 1 << 20));
    var sw = Stopwatch.StartNew();
    const int rounds = 4;
    for (var i = 0; i < rounds; i++)
    {
        rules.ScanMemory(buffer);
    }

    sw.Stop();
    Console.WriteLine($"memory, random bytes: {rounds * 64 / sw.Elapsed.TotalSeconds:F0} MB/s");

    // 2. Real executables through yr_rules_scan_file (page cache warm after the first pass).
    var binaries = Directory.EnumerateFiles("/usr/bin").Where(p => new FileInfo(p) is { LinkTarget: null, Length: > 0 }).Take(400).ToList();
    long bytes = 0;
    foreach (var b in binaries)
    {
        rules.ScanFile(b);
        bytes += new FileInfo(b).Length;
    }

    sw.Restart();
    foreach (var b in binaries)
    {
        rules.ScanFile(b);
    }

    sw.Stop();
    Console.WriteLine($"files, {binaries.Count} executables of /usr/bin ({bytes / 1048576.0:F0} MiB): {bytes / 1048576.0 / sw.Elapsed.TotalSeconds:F0} MB/s, {sw.Elapsed.TotalMicroseconds / binaries.Count:F0} µs per file");

    // 3. Small files: 2,000 files of 4 KiB each, open + map + scan + close.
    var small = Directory.CreateDirectory(Path.Combine(work.FullName, "small")).FullName;
    var paths = new List<string>();
    for (var i = 0; i < 2000; i++)
    {
        var path = Path.Combine(small, $"f{i}");
        File.WriteAllBytes(path, buffer.AsSpan(i * 4096, 4096).ToArray());
        paths.Add(path);
    }

    foreach (var p in paths.Take(100))
    {
        rules.ScanFile(p);
    }

    sw.Restart();
    foreach (var p in paths)
    {
        rules.ScanFile(p);
    }

    sw.Stop();
    Console.WriteLine($"files, 2000 x 4 KiB: {sw.Elapsed.TotalMicroseconds / paths.Count:F1} µs per file");

    sw.Restart();
    for (var i = 0; i < 2000; i++)
    {
        rules.ScanMemory(buffer.AsSpan(i * 4096, 4096));
    }

    sw.Stop();
    Console.WriteLine($"memory, 2000 x 4 KiB: {sw.Elapsed.TotalMicroseconds / 2000:F1} µs per buffer");
    rules.Dispose();
    return 0;
}
finally
{
    work.Delete(recursive: true);
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Atalaya.slnx")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("run from the source tree or pass RULES_DIR");
}
