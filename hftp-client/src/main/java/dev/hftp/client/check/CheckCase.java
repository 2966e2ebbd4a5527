package dev.hftp.client.check;

import java.util.List;

/**
 * One case of the check: a group, a name, the data-set files it needs, and its body.
 *
 * @param needs the files of the data set the case reads: it is skipped if the server does not list one
 */
record CheckCase(String group, String name, List<String> needs, Body body) {

    /** Runs the case against the server; an exception that escapes it is a failure of the server, said so. */
    @FunctionalInterface
    interface Body {
        Outcome run(Probe probe) throws Exception;
    }
}
