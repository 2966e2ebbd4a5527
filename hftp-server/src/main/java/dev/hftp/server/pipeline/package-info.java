/**
 * A connection from admission to the last reply: {@code ConnectionAdmission} on the listening channel (connection
 * limit, full memory budget), {@code HftpServerInitializer} building each connection's pipeline,
 * {@code HftpConnectionHandler} (its life: idle, logs), {@code PacedRequestHandler} (reading requests on demand,
 * flushing, ending the connection) and its subclass {@code HftpHandler} (the dispatcher, with {@code SliceReply}),
 * {@code ErrorLog}, {@code MemoryBudget} and {@code BufferBudgetHandler} (what connections hold buffered), and
 * {@code AcceptFailureHandler} (accepting without descriptors). Internal.
 */
package dev.hftp.server.pipeline;
