package dev.hftp.server.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The list of {@code --proxy-protocol-from} / {@code proxyProtocolFrom(...)}: IPv4 and IPv6 addresses and CIDR
 * blocks, what they contain, and the values refused.
 */
class ProxyProtocolPeersTest {

    private static InetSocketAddress peer(String address) {
        return new InetSocketAddress(address, 40000);
    }

    @Test
    void shouldContainTheAddressesOfAnIpv4Block() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse("10.0.0.0/8");
        assertTrue(peers.contains(peer("10.0.0.1")));
        assertTrue(peers.contains(peer("10.255.255.255")));
        assertFalse(peers.contains(peer("11.0.0.1")));
        assertFalse(peers.contains(peer("127.0.0.1")));
    }

    @Test
    void shouldContainTheAddressesOfAnIpv6Block() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse("2001:db8::/32");
        assertTrue(peers.contains(peer("2001:db8::1")));
        assertTrue(peers.contains(peer("2001:db8:ffff::7")));
        assertFalse(peers.contains(peer("2001:db9::1")));
        assertFalse(peers.contains(peer("10.0.0.1")), "another family");
    }

    @Test
    void shouldTakeABareAddressAsItselfOnly() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse("192.0.2.7,::1");
        assertTrue(peers.contains(peer("192.0.2.7")));
        assertFalse(peers.contains(peer("192.0.2.8")));
        assertTrue(peers.contains(peer("::1")));
        assertFalse(peers.contains(peer("::2")));
    }

    @Test
    void shouldContainWhatAnyOfSeveralBlocksContains() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse(" 10.0.0.0/8 , 192.168.1.0/24,2001:db8::/32,fd00::/8");
        assertTrue(peers.contains(peer("10.1.2.3")));
        assertTrue(peers.contains(peer("192.168.1.200")));
        assertFalse(peers.contains(peer("192.168.2.1")));
        assertTrue(peers.contains(peer("2001:db8::5")));
        assertTrue(peers.contains(peer("fd12:3456::1")));
        assertFalse(peers.contains(peer("fe80::1")));
    }

    @Test
    void shouldContainEverythingOfItsFamilyWithAZeroPrefix() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse("0.0.0.0/0");
        assertTrue(peers.contains(peer("203.0.113.9")));
        assertFalse(peers.contains(peer("2001:db8::1")));
    }

    @Test
    void shouldPrintWhatItParsesBack() {
        ProxyProtocolPeers peers = ProxyProtocolPeers.parse("10.0.0.0/8, 2001:db8::/32 ,192.0.2.7");
        assertEquals("10.0.0.0/8,2001:db8::/32,192.0.2.7", peers.toString());
        assertEquals(List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.7"),
                ProxyProtocolPeers.parse(peers.toString()).blocks());
        assertEquals(List.of("10.0.0.0/8"), ProxyProtocolPeers.of(List.of("10.0.0.0/8")).blocks());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "10.0.0.0/8,", ",10.0.0.0/8", "localhost", "balancer.example.org/32",
        "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/+8", "10.0.0.0/0x8", "10.0.0",
        "256.0.0.1", "2001:db8::/129", "2001:db8:::1", "::ffff:10.0.0.0/104", "10.0.0.0 /8", "*"})
    void shouldRefuseWhatIsNotAnIpAddressOrCidrBlock(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyProtocolPeers.parse(value));
        assertTrue(e.getMessage().contains("(expected: "), e.getMessage());
    }

    @Test
    void shouldRefuseAnEmptyList() {
        assertThrows(IllegalArgumentException.class, () -> ProxyProtocolPeers.of(List.of()));
    }

    @Test
    void shouldNameTheBadBlockAndTheReason() {
        assertEquals("'10.0.0.0/33': the prefix length must be 0 to 32 (expected: an IPv4 or IPv6 address or CIDR "
                        + "block, e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)",
                assertThrows(IllegalArgumentException.class, () -> ProxyProtocolPeers.parse("10.0.0.0/8,10.0.0.0/33"))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProxyProtocolPeers.parse("balancer"))
                .getMessage().startsWith("'balancer': not an IP address"));
    }
}
