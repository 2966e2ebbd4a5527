/**
 * Logging that clients can drive: the access log ({@code AccessLog}, one line per reply, off unless asked for) and
 * {@code RateLimitedLog}, which turns a warning a client can repeat at will into one line a second with a count.
 * Internal.
 */
package dev.hftp.server.logging;
