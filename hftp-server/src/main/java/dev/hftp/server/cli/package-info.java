/**
 * The {@code hftp-server} command: options, environment and configuration file ({@code HftpServerMain},
 * {@code ServerOptions}, checked by {@code HftpServerConfig} as the library's settings are; {@code ConfigDefaults}), and the watchdog that ends the process if a shutdown overruns its deadline
 * ({@code ShutdownWatchdog}). Uses picocli, SnakeYAML and log4j, which the library leaves out.
 */
package dev.hftp.server.cli;
