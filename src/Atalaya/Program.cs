using System.CommandLine;
using Atalaya.Cli.Commands;
using Atalaya.Cli.Hosting;
using Atalaya.Storage;

namespace Atalaya.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Atalaya: endpoint detection and response. Am I hacked? Ask `atalaya scan`.")
        {
            GlobalOptions.DataDir,
            GlobalOptions.Config,
            RunCommand.Create(),
            ScanCommand.Create(),
            AlertsCommand.Create(),
            EventsCommand.Create(),
            StatusCommand.Create(),
            RulesCommand.Create(),
            BaselineCommand.Create(),
            AllowCommand.Create(),
            IncidentsCommand.Create(),
            YaraCommand.Create(),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"atalaya: {error.Message}");
            }

            Console.Error.WriteLine("Try 'atalaya --help'.");
            return ExitCodes.Error;
        }

        try
        {
            // Signals are handled by `run` itself so it can flush before exiting.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"atalaya: {ex.Message}");
            return ExitCodes.Error;
        }
        catch (StoreException ex)
        {
            // Opening is wrapped by StoreAccess; this catches a query or write failing after that (locked,
            // corrupt or full database), which is still a one-line error, not a stack trace.
            Console.Error.WriteLine($"atalaya: {ex.Message}");
            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("atalaya: cancelled");
            return ExitCodes.Error;
        }
    }
}
