package dev.hftp.client.check;

/** What a case found. */
public enum Verdict {
    /** The server did what the contract says. */
    PASS,
    /** The server did otherwise. */
    FAIL,
    /** Not checked: a file it needs is not served, or its group was left out. */
    SKIP,
    /** A question the contract leaves open: what the server does, against what docs/PROTOCOL.md decides. */
    INFO
}
