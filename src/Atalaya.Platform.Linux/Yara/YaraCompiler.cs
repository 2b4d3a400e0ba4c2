using System.Runtime.InteropServices;

namespace Atalaya.Platform.Linux.Yara;

/// <summary>
/// Compiles every <c>*.yar</c>/<c>*.yara</c> file of a folder (recursively) into one rule set, each
/// file in its own namespace (its relative path) so two files may reuse a rule name. libyara's
/// compiler is unusable after its first error, so each file is first compiled alone: a broken file is
/// reported with its lines and left out, and the good ones are compiled together. Never throws for
/// a bad rule or an unreadable file.
/// </summary>
public static class YaraCompiler
{
    public static YaraCompilation CompileFolder(string folder, string soname = Interop.LibYara)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!YaraLibrary.TryInitialize(out var reason, soname))
        {
            return new YaraCompilation { UnavailableReason = reason };
        }

        var errors = new List<YaraCompileError>();
        var warnings = new List<YaraCompileError>();
        var good = new List<(string Name, string Text)>();
        foreach (var path in RuleFiles(folder, errors))
        {
            var name = Path.GetRelativePath(folder, path);
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new YaraCompileError(name, 0, "cannot read: " + ex.Message));
                continue;
            }

            var (rules, messages) = Compile([(name, text)]);
            foreach (var m in messages)
            {
                (m.Error ? errors : warnings).Add(new YaraCompileError(name, m.Line, m.Message));
            }

            if (rules != 0)
            {
                _ = Interop.YrRulesDestroy(rules);
                good.Add((name, text));
            }
        }

        if (good.Count == 0)
        {
            return new YaraCompilation { Errors = errors, Warnings = warnings };
        }

        var (all, combined) = Compile(good);
        if (all == 0)
        {
            // Every file compiled alone but not together: report it against the folder.
            errors.AddRange(combined.Where(m => m.Error).Select(m => new YaraCompileError(folder, m.Line, m.Message)));
            return new YaraCompilation { Errors = errors, Warnings = warnings };
        }

        return new YaraCompilation
        {
            Rules = YaraRules.Adopt(all),
            FilesCompiled = [.. good.Select(g => g.Name)],
            Errors = errors,
            Warnings = warnings,
        };
    }

    /// <summary>Compiles one rule text (tests, <c>atalaya yara scan --rule</c>).</summary>
    public static YaraCompilation CompileText(string name, string text, string soname = Interop.LibYara)
    {
        if (!YaraLibrary.TryInitialize(out var reason, soname))
        {
            return new YaraCompilation { UnavailableReason = reason };
        }

        var (rules, messages) = Compile([(name, text)]);
        var errors = messages.Where(m => m.Error).Select(m => new YaraCompileError(name, m.Line, m.Message)).ToList();
        var warnings = messages.Where(m => !m.Error).Select(m => new YaraCompileError(name, m.Line, m.Message)).ToList();
        return rules == 0
            ? new YaraCompilation { Errors = errors, Warnings = warnings }
            : new YaraCompilation { Rules = YaraRules.Adopt(rules), FilesCompiled = [name], Errors = errors, Warnings = warnings };
    }

    private static IEnumerable<string> RuleFiles(string folder, List<YaraCompileError> errors)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        try
        {
            return Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(p => p.EndsWith(".yar", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yara", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new YaraCompileError(folder, 0, "cannot list: " + ex.Message));
            return [];
        }
    }

    /// <summary>Returns a YR_RULES* (0 on any error) and every message the compiler reported.</summary>
    private static unsafe (nint Rules, List<(bool Error, int Line, string Message)> Messages) Compile(IReadOnlyList<(string Name, string Text)> files)
    {
        var messages = new List<(bool Error, int Line, string Message)>();
        if (Interop.YrCompilerCreate(out var compiler) != Interop.YaraErrorSuccess)
        {
            messages.Add((true, 0, "yr_compiler_create failed (out of memory)"));
            return (0, messages);
        }

        var user = GCHandle.Alloc(messages);
        try
        {
            Interop.YrCompilerSetCallback(compiler, &Interop.YaraCompilerCallback, GCHandle.ToIntPtr(user));
            foreach (var (name, text) in files)
            {
                if (Interop.YrCompilerAddString(compiler, text, name) > 0)
                {
                    return (0, messages);
                }
            }

            return Interop.YrCompilerGetRules(compiler, out var rules) == Interop.YaraErrorSuccess ? (rules, messages) : (0, messages);
        }
        finally
        {
            Interop.YrCompilerDestroy(compiler);
            user.Free();
        }
    }
}
