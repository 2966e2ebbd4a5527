/**
 * The HFTP protocol for Netty: request and response types, the request decoder and the response encoder,
 * as specified in <a href="https://github.com/hftp/hftp/blob/main/docs/PROTOCOL.md">docs/PROTOCOL.md</a>.
 */
package dev.hftp.codec;
