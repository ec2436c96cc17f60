/** The {@code cfgserver} command line over the REST API (picocli; launched by {@code deploy/cfgserver}). */
package io.cfgserver.service.cli;
