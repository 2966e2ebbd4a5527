/**
 * Prometheus metrics: the counters ({@code ServerMetrics}, {@code TransferMetrics}) and the HTTP endpoint that
 * serves them ({@code MetricsEndpoint} and its pipeline: request deadline, one request at a time, connection
 * limit with eviction). Internal.
 */
package dev.hftp.server.metrics;
