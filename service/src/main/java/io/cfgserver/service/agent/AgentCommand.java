package io.cfgserver.service.agent;

import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/** {@code cfgserver agent agent.yml}: runs the proxy agent beside one nutcracker. */
public final class AgentCommand extends Command {
    public AgentCommand() {
        super("agent", "Runs the proxy agent: keeps one nutcracker on the registry's slot map");
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("file").nargs("?").help("agent configuration file (see deploy/local/agent-p1.yml)");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        String file = namespace.getString("file");
        if (file == null) {
            throw new IllegalArgumentException("give the agent's configuration file: cfgserver agent agent.yml");
        }
        AgentConfig config = load(file);
        config.logging.configure(new com.codahale.metrics.MetricRegistry(), "agent");
        ProxyAgent agent = new ProxyAgent(config);
        if (config.metrics.port > 0) {
            try {
                AgentMetricsServer.start(config.metrics.bindHost, config.metrics.port, config.cluster, config.proxyId, agent,
                        config.nutcracker.statsPort, System::currentTimeMillis);
            } catch (java.io.IOException e) {
                // the proxy matters more than its metrics: serve without them, and say so
                org.slf4j.LoggerFactory.getLogger(AgentCommand.class).error("metrics endpoint not started on {}:{} ({}):"
                        + " the agent runs without it", config.metrics.bindHost, config.metrics.port, e.toString());
            }
        }
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.close();
                main.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "agent-shutdown"));
        agent.run();
    }

    static AgentConfig load(String file) throws java.io.IOException, ConfigurationException {
        YamlConfigurationFactory<AgentConfig> factory = new YamlConfigurationFactory<>(AgentConfig.class,
                Validators.newValidator(), Jackson.newObjectMapper(), "agent");
        return factory.build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(),
                new EnvironmentVariableSubstitutor(false)), file);
    }
}
