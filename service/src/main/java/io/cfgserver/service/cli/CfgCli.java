package io.cfgserver.service.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cfgserver}: the operator's command line over the REST API. Exit codes: 0 ok, 1 refused (the
 * API's message printed as is), 2 usage, 3 no server reachable.
 *
 * <p>picocli rather than Dropwizard commands: the CLI needs nested subcommands ({@code job watch}),
 * per-command help and usage errors with exit code 2, and starts without a Dropwizard bootstrap
 * (the launcher runs this class from the service jar directly, in a fraction of a second).
 */
@Command(name = "cfgserver", mixinStandardHelpOptions = true, version = "cfgserver 0.1.0",
        description = "Operate cfgserver: clusters, failover, jobs, config, the registry.",
        subcommands = {ClusterCommands.Cluster.class, ClusterCommands.GroupCmd.class, ClusterCommands.ReplicaCmd.class,
            ClusterCommands.ProxyCmd.class, ClusterCommands.SlotsCmd.class, ClusterCommands.PolicyCmd.class,
            ClusterCommands.MaintenanceCmd.class,
            AdminCommands.ConfigCmd.class, JobCommands.JobCmd.class, JobCommands.Plan.class, JobCommands.Events.class,
            AdminCommands.RegistryCmd.class, AdminCommands.Audit.class})
public final class CfgCli {
    @picocli.CommandLine.Mixin
    Leaf.Global global = new Leaf.Global();

    public static final int OK = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line, printing to {@code out} and {@code err}; answers the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new CfgCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof Api.Refused r) {
                err.println("refused: " + r.getMessage());
                err.flush();
                return REFUSED;
            }
            if (e instanceof Api.Unreachable u) {
                err.println("unreachable: " + u.getMessage());
                err.flush();
                return UNREACHABLE;
            }
            if (e instanceof Leaf.Usage u) {
                err.println("usage: " + u.getMessage());
                line.usage(err);
                err.flush();
                return USAGE;
            }
            throw e;
        });
        // a group command without its subcommand prints its usage and is a usage error
        cli.setExecutionStrategy(parsed -> {
            CommandLine last = parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
            if (!(last.getCommand() instanceof java.util.concurrent.Callable<?>) && !last.isUsageHelpRequested()
                    && !last.isVersionHelpRequested() && !parsed.isUsageHelpRequested() && !parsed.isVersionHelpRequested()) {
                err.println("usage: say what to do with '" + last.getCommandName() + "'");
                last.usage(err);
                err.flush();
                return USAGE;
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cli.execute(args);
    }
}
