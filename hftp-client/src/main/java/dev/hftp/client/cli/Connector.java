package dev.hftp.client.cli;

import dev.hftp.client.HftpClient;
import dev.hftp.client.HftpClientTls;

/** How the command's connections are made: TLS (null for plaintext) and the timeouts. */
record Connector(HftpClientTls tls, HftpClient.Timeouts timeouts) {

    Session open(ServerAddress server) throws CliFailure {
        return Session.open(server, tls, timeouts);
    }
}
