/**
 * The HFTP server as a library: {@link dev.hftp.server.HftpServerBootstrap} configures and starts a server,
 * {@link dev.hftp.server.HftpServerConfig} holds its settings, checked (defaults and rules in one place),
 * {@link dev.hftp.server.HftpServer} runs it and stops it, {@link dev.hftp.server.HftpTransport} names the socket
 * layers. This package is the API; the sub-packages are the server's parts, public only so that they can reach one
 * another, and may change in any release.
 */
package dev.hftp.server;
