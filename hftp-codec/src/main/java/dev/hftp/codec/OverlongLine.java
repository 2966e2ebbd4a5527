package dev.hftp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;

import java.util.Arrays;

/**
 * What decides the answer to a request line too long to buffer, gathered byte by byte as the line
 * streams past, and turned at its end into a short line that {@link HftpCommandDecoder} answers exactly
 * as it would answer the whole line.
 *
 * <p>Kept: every element up to {@value #KEPT_ELEMENT_BYTES} bytes (the longest name that can exist is
 * 255), for longer ones whether they hold only file-name characters and, for the numbers of a slice, their
 * value; the first {@value #KEPT_ELEMENTS} elements (one more than any command takes); whether a stray
 * CR or a non-ASCII byte was seen; and how the line ended. Memory is bounded by these constants, whatever
 * the length of the line.
 */
final class OverlongLine implements ByteProcessor {

    static final int KEPT_ELEMENTS = 6;
    static final int KEPT_ELEMENT_BYTES = 256;
    /** One digit more than {@link Long#MAX_VALUE} has, so a longer number is known to overflow. */
    private static final int KEPT_DIGITS = 20;

    private static final byte CR = HftpWire.CR;
    private static final byte LF = HftpWire.LF;
    private static final byte SP = ' ';

    private final Element[] elements = new Element[KEPT_ELEMENTS];
    private int elementCount = 1;
    private boolean pendingCr;
    private boolean strayCr;
    private boolean nonAscii;
    private boolean crlf;

    OverlongLine() {
        elements[0] = new Element();
    }

    /** Takes the bytes of {@code in} up to the end of the line; true when the line has ended. */
    boolean consume(ByteBuf in) {
        int lf = in.forEachByte(this);
        if (lf < 0) {
            in.skipBytes(in.readableBytes());
            return false;
        }
        in.readerIndex(lf + 1);
        return true;
    }

    @Override
    public boolean process(byte b) {
        if (b == LF) {
            crlf = pendingCr;
            return false;
        }
        if (pendingCr) {
            // The CR was not the start of the terminator, so it was part of the line.
            strayCr = true;
            add(CR);
        }
        pendingCr = b == CR;
        if (!pendingCr) {
            add(b);
        }
        return true;
    }

    private void add(byte b) {
        if (b < 0) {
            nonAscii = true;
        }
        if (b == SP) {
            if (elementCount < KEPT_ELEMENTS) {
                elements[elementCount++] = new Element();
            }
            return;
        }
        // Past the last kept element, bytes join it: any sixth element already makes the count wrong.
        elements[elementCount - 1].add(b);
    }

    /** The short line that stands for the whole one, terminator included. */
    ByteBuf toFrame(ByteBufAllocator alloc) {
        if (!crlf) {
            // Checked before anything else: a line not ended by CRLF is BAD EOL whatever it holds.
            return alloc.buffer(1).writeByte(LF);
        }
        boolean slice = elements[0].isExactly(HftpCommand.GET_SLICE.wireName());
        ByteBuf frame = alloc.buffer(KEPT_ELEMENTS * (KEPT_ELEMENT_BYTES + 1) + 4);
        for (int i = 0; i < elementCount; i++) {
            if (i > 0) {
                frame.writeByte(SP);
            }
            boolean number = slice && (i == 2 || i == 3);
            elements[i].writeStandIn(frame, number);
        }
        if (nonAscii) {
            frame.writeByte(0x80);
        }
        if (strayCr) {
            frame.writeByte(CR);
        }
        frame.writeByte(CR).writeByte(LF);
        return frame;
    }

    /** One element of the line: its first bytes, its length and what its characters were. */
    private static final class Element {
        private final byte[] head = new byte[KEPT_ELEMENT_BYTES];
        private final byte[] significantDigits = new byte[KEPT_DIGITS];
        private long length;
        private int digitCount;
        private boolean onlyNameChars = true;
        private boolean onlyDigits = true;

        void add(byte b) {
            if (length < KEPT_ELEMENT_BYTES) {
                head[(int) length] = b;
            }
            length++;
            onlyNameChars &= HftpFileNames.isNameChar(b);
            boolean digit = b >= '0' && b <= '9';
            onlyDigits &= digit;
            if (digit && (digitCount > 0 || b != '0') && digitCount < KEPT_DIGITS) {
                significantDigits[digitCount++] = b;
            }
        }

        boolean isExactly(String text) {
            if (length != text.length()) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (head[i] != text.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Writes this element, or for a long one a short element of the same meaning. */
        void writeStandIn(ByteBuf out, boolean number) {
            if (length <= KEPT_ELEMENT_BYTES) {
                out.writeBytes(head, 0, (int) length);
            } else if (number && onlyDigits) {
                // Leading zeros do not change a number; more digits than a long holds stay too large.
                if (digitCount == 0) {
                    out.writeByte('0');
                } else {
                    out.writeBytes(significantDigits, 0, digitCount);
                }
            } else if (onlyNameChars) {
                // Longer than any name can be: not a command, not a number, and no such file.
                byte[] standIn = new byte[KEPT_ELEMENT_BYTES];
                Arrays.fill(standIn, (byte) 'a');
                out.writeBytes(standIn);
            } else {
                // Not a command, not a number, and not a valid name.
                out.writeByte('/');
            }
        }
    }
}
