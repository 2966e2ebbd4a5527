/**
 * A connection from admission to the last reply: {@code ConnectionAdmission} on the listening channel (connection
 * limit, full memory budget), {@code HftpServerInitializer} building each connection's pipeline,
 * {@code HftpConnectionHandler} (its life: idle, logs), {@code HftpHandler} (the dispatcher, reading requests on
 * demand), {@code MemoryBudget} and {@code BufferBudgetHandler} (what connections hold buffered), and
 * {@code AcceptFailureHandler} (accepting without descriptors). Internal.
 */
package dev.hftp.server.pipeline;
