/**
 * All the file-system policy: {@code FileStore} answers for the served files (no escape, no link out of the
 * directory, only regular files), on the directory held open by {@code ServedDirectory}, following links with
 * {@code LinkWalk}, and {@code FileCalls} runs the calls that may block on file threads, with a
 * timeout. Internal.
 */
package dev.hftp.server.files;
