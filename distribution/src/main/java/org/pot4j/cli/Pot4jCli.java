package org.pot4j.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.Pot4j;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code pot4j} command line: {@code plugins}, {@code quantize}, {@code evaluate} and
 * {@code benchmark}. Exit codes are in {@link ExitCode}; every error is one line
 * {@code pot4j: error: <message>} on stderr, with the stack trace only under {@code --verbose}.
 * Tables go to stdout, progress and logs to stderr, so output can be piped.
 */
@Command(name = "pot4j", mixinStandardHelpOptions = true, versionProvider = Pot4jCli.Version.class,
        description = "Post-training INT8 quantization of ONNX, TensorFlow and TorchScript models.",
        subcommands = {PluginsCommand.class, QuantizeCommand.class, EvaluateCommand.class, BenchmarkCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage or config error, 3 accuracy target not met."})
public final class Pot4jCli implements Callable<Integer> {
    /** System property the launcher sets to the installation folder (its plugins/ is searched). */
    public static final String HOME_PROPERTY = "pot4j.home";
    private static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log progress details (INFO) and print stack traces with errors.")
    boolean verbose;

    @Option(names = "--plugins", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Another folder of plugins (repeatable); <install>/plugins is always searched.")
    List<Path> extraPluginDirs = new ArrayList<>();

    @Option(names = "--progress", paramLabel = "MODE", scope = ScopeType.INHERIT, defaultValue = "auto",
            description = "Progress display: auto (bar on a terminal, lines otherwise), bar, lines or none.")
    ProgressChoice progressMode = ProgressChoice.AUTO;

    /** Values of {@code --progress}. */
    enum ProgressChoice {
        AUTO, BAR, LINES, NONE
    }

    /** Runs the launcher and exits with its exit code. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the launcher with the given streams and returns the exit code (does not exit). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        configureLogging(args);
        CommandLine cli = commandLine(out, err, verboseIn(args));
        try {
            return cli.execute(args);
        } catch (VirtualMachineError e) {
            // picocli passes Errors through; out of memory still gets one line and an exit code
            return new ErrorReporter(err, verboseIn(args)).report(e);
        }
    }

    /** The configured picocli command line (exception handlers map failures to exit codes). */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean verbose) {
        Pot4jCli root = new Pot4jCli();
        CommandLine cli = new CommandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            String name = failed.getCommandSpec().qualifiedName();
            String hint = "";
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                hint = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
            }
            err.println("pot4j: error: " + ErrorReporter.oneLine(ex.getMessage()) + hint + " (see '" + name + " --help')");
            err.flush();
            return ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, failed, parseResult) ->
                new ErrorReporter(err, verbose || root.verbose).report(ex));
        return cli;
    }

    /**
     * SLF4J's simple logger reads its level once, when the first logger is made, so the level must
     * be set from the raw arguments before anything logs. WARN by default, INFO with --verbose;
     * a level given with -D on the command line wins. The same levels apply to java.util.logging,
     * which backends use.
     */
    static void configureLogging(String[] args) {
        boolean verbose = verboseIn(args);
        // backends log through System.Logger, which defaults to java.util.logging
        java.util.logging.Logger.getLogger("").setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING);
        if (System.getProperty(LOG_LEVEL_PROPERTY) != null) {
            return;
        }
        System.setProperty(LOG_LEVEL_PROPERTY, verbose ? "info" : "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.showLogName", "false");
    }

    /** True when the arguments ask for --verbose anywhere (it is inherited by every subcommand). */
    static boolean verboseIn(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (a.equals("-v") || a.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCode.USAGE;
    }

    /** Plugin folders: {@code <install>/plugins} when it exists, then the {@code --plugins} folders. */
    List<Path> pluginDirs() {
        List<Path> dirs = new ArrayList<>();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            Path installed = Path.of(home).resolve("plugins");
            if (Files.isDirectory(installed)) {
                dirs.add(installed);
            }
        }
        dirs.addAll(extraPluginDirs);
        return dirs;
    }

    /** The progress display the options ask for, drawing on {@code err}. */
    ProgressBar progressBar(PrintWriter err) {
        switch (progressMode) {
            case BAR: return new ProgressBar(err, ProgressBar.Mode.BAR);
            case LINES: return new ProgressBar(err, ProgressBar.Mode.LINES);
            case NONE: return new ProgressBar(err, ProgressBar.Mode.NONE);
            default: return new ProgressBar(err, ProgressBar.detectMode());
        }
    }

    /** The engine with the plugin folders and progress listener of this run. */
    Pot4j engine(ProgressListener progress) {
        return Pot4j.builder().pluginDirs(pluginDirs()).progress(progress).build();
    }

    /** Reports the version of the launcher jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Pot4jCli.class.getPackage().getImplementationVersion();
            return new String[] {"pot4j " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
