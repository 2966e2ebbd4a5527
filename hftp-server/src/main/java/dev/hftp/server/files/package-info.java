/**
 * All the file-system policy: {@code FileStore} resolves names against the held served directory (no escape, no
 * link out of it, only regular files) and {@code FileCalls} runs the calls that may block on file threads, with a
 * timeout. Internal.
 */
package dev.hftp.server.files;
