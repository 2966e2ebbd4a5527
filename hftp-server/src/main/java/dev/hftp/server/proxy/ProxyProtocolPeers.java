package dev.hftp.server.proxy;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The peers whose PROXY protocol header is believed: the balancers' addresses, as IPv4 and IPv6 addresses or
 * CIDR blocks ({@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code 2001:db8::/32}). Only IP literals: a host name
 * would make the list depend on a DNS answer at start. Immutable.
 */
public final class ProxyProtocolPeers {

    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    private final List<String> blocks;
    private final List<IpSubnetFilterRule> rules;

    private ProxyProtocolPeers(List<String> blocks, List<IpSubnetFilterRule> rules) {
        this.blocks = List.copyOf(blocks);
        this.rules = List.copyOf(rules);
    }

    /** The blocks of a comma-separated list, as the command line and the config file give it. */
    public static ProxyProtocolPeers parse(String commaSeparated) {
        Objects.requireNonNull(commaSeparated, "commaSeparated");
        return of(List.of(commaSeparated.split(",", -1)));
    }

    /**
     * The given blocks, each an address or a CIDR block.
     *
     * @throws IllegalArgumentException if there is none, or one is not an IP address or CIDR block
     */
    public static ProxyProtocolPeers of(List<String> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no address (expected: at least one address or CIDR block, "
                    + "e.g. 10.0.0.0/8)");
        }
        List<String> trimmed = new ArrayList<>();
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String block : blocks) {
            String text = Objects.requireNonNull(block, "block").trim();
            rules.add(rule(text));
            trimmed.add(text);
        }
        return new ProxyProtocolPeers(trimmed, rules);
    }

    private static IpSubnetFilterRule rule(String block) {
        int slash = block.indexOf('/');
        String literal = slash < 0 ? block : block.substring(0, slash);
        // Parses the literal without any name lookup; null for anything else, a host name included.
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
        if (bytes == null) {
            throw invalid(block, "not an IP address");
        }
        InetAddress address;
        try {
            address = InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw invalid(block, "not an IP address");
        }
        if (bytes.length == 16 && address instanceof Inet4Address) {
            // The JDK turns ::ffff:a.b.c.d into an IPv4 address, which a prefix counted in 128 bits would not fit.
            throw invalid(block, "an IPv4-mapped IPv6 address; write the IPv4 address");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = block.substring(slash + 1);
            if (!PREFIX.matcher(digits).matches() || Integer.parseInt(digits) > bits) {
                throw invalid(block, "the prefix length must be 0 to " + bits);
            }
            prefix = Integer.parseInt(digits);
        }
        return new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
    }

    private static IllegalArgumentException invalid(String block, String reason) {
        return new IllegalArgumentException("'" + block + "': " + reason + " (expected: an IPv4 or IPv6 address or "
                + "CIDR block, e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)");
    }

    /** Whether {@code peer} is in one of the blocks. */
    boolean contains(InetSocketAddress peer) {
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(peer)) {
                return true;
            }
        }
        return false;
    }

    /** The blocks as given, trimmed. */
    List<String> blocks() {
        return blocks;
    }

    /** The blocks separated by commas, as {@link #parse} reads them. */
    @Override
    public String toString() {
        return String.join(",", blocks);
    }
}
