/**
 * TLS: {@code TlsFiles} reads the PEM certificate chain and key into a server context, and
 * {@code RenegotiationRefusingHandler} closes a connection that starts a second handshake. Internal.
 */
package dev.hftp.server.tls;
