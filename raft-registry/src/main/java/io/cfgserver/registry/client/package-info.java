/**
 * What the rest of cfgserver sees of the registry: {@code RegistryClient} (submit, read,
 * readLocal, awaitVersion, info), {@code RegistryInfo} and {@code RegistryUnavailableException}.
 *
 * <p>Owns: the contract other modules (service, activities, workflows, controller) program
 * against. Must not: expose Ratis types or depend on {@code server} or {@code statemachine};
 * implementations live elsewhere ({@code server.RegistryPeer}), so callers can be tested with a fake.
 */
package io.cfgserver.registry.client;
