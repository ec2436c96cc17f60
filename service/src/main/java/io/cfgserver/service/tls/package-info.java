/**
 * TLS for the service's own HTTPS clients (the CLI, the proxy agent): an {@code SSLContext} that
 * trusts the CA in a PEM file, as {@code curl --cacert} does. The REST server's TLS is Dropwizard's
 * {@code https} connector and the Raft transport's is {@code registry.server.PeerTls}; neither lives here.
 * Must not: trust everything, or turn off host name checks.
 */
package io.cfgserver.service.tls;
