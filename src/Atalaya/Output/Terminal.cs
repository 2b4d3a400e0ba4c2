using Spectre.Console;

namespace Atalaya.Cli.Output;

/// <summary>
/// The console for people. When output goes to a file or a pipe, lines are not wrapped at 80
/// columns (grep and less should see one line per fact) and no colour codes are written.
/// </summary>
internal static class Terminal
{
    private static readonly Lazy<IAnsiConsole> Instance = new(Create);

    public static IAnsiConsole Console => Instance.Value;

    private static IAnsiConsole Create()
    {
        if (!System.Console.IsOutputRedirected)
        {
            return AnsiConsole.Console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(System.Console.Out),
        });
        console.Profile.Width = 4096;
        return console;
    }
}
