package dev.hftp.server.logging;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WordingTest {

    @Test
    void shouldCountInTheSingularForOne() {
        assertEquals("0 connections", Wording.count(0, "connection"));
        assertEquals("1 connection", Wording.count(1, "connection"));
        assertEquals("2 threads", Wording.count(2, "thread"));
    }

    @Test
    void shouldWriteDurationsAsPeopleDo() {
        assertEquals("10 s", Wording.duration(Duration.ofSeconds(10)));
        assertEquals("300 ms", Wording.duration(Duration.ofMillis(300)));
        assertEquals("1.5 s", Wording.duration(Duration.ofMillis(1500)));
        assertEquals("5 min", Wording.duration(Duration.ofMinutes(5)));
    }
}
