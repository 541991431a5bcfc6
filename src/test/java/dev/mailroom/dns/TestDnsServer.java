package dev.mailroom.dns;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An authoritative DNS server for tests: real DNS messages over UDP <em>and</em> TCP on one loopback port.
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {
 *     dns.add("example.org. 300 IN MX 10 mx1.example.org.",
 *             "mx1.example.org. IN A 127.0.0.1");              // TTL and class may be left out (300, IN)
 *     dns.add("""
 *             $ORIGIN example.net.
 *             @     MX   0 .
 *             mail  TXT  "v=spf1 -all"
 *             """);                                           // master-file text: $ORIGIN, $TTL, relative names
 *     dns.servfail("broken.example.");                        // SERVFAIL for every type of that name
 *     MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(1), 1);
 *     ...
 *     assertThat(dns.queries()).contains(new TestDnsServer.Query(Name.fromString("example.org."), Type.MX, false));
 * }
 * }</pre>
 *
 * <p>How it answers a query for name N and type T (one question per query, class IN assumed):
 * <ul>
 *   <li>N has records of type T: NOERROR with those records (all types for ANY), AA set, nothing in the
 *       authority or additional sections;</li>
 *   <li>N has a CNAME and T is not CNAME: NOERROR with just the CNAME record. The server follows nothing, so a
 *       resolver under test must follow the chain itself;</li>
 *   <li>N has records, but none of type T, or N has none but a name below it has ("empty non-terminal",
 *       RFC 8020): NOERROR with an empty answer (NODATA);</li>
 *   <li>anything else: NXDOMAIN. The server is authoritative for the whole tree, so "nothing known" means "does
 *       not exist".</li>
 * </ul>
 * Names compare case-insensitively. Answers over UDP are cut to 512 octets, or to the EDNS payload size the query
 * offers, with TC set (as a real server does), so a large TXT or TLSA set makes a client retry over TCP.
 *
 * <p>Faults, per name (exactly that name, every type, until {@link #heal}): {@link #servfail} answers SERVFAIL,
 * {@link #respond} any other response code, {@link #drop} never answers (the client times out), {@link #truncate}
 * answers over UDP with TC set and no records and gives the full answer over TCP, {@link #dropTcp} never answers
 * over TCP (with {@code truncate}: a truncated answer whose TCP retry fails).
 *
 * <p>DNSSEC: {@link #signedZone} makes a zone with generated keys whose answers carry RRSIG and NSEC records when
 * the query sets the DO bit ({@link DnssecAnswers} says how such queries are answered, following CNAMEs and proving
 * denials as a recursive resolver passing on signed answers does); {@link TestZone#trustAnchor()} is the text a
 * validator's trust anchor file holds, and {@link TestZone} breaks signatures on request. {@link #unsignedZone}
 * makes an unsigned zone, under a signed parent an insecure delegation. Queries without DO are answered as above,
 * without DNSSEC records.
 *
 * <p>{@link #queries()} lists every query received, in order, with its transport, so a test can check retries and
 * the fall-back to TCP. Records and faults may be changed while the server runs. Each test starts its own server
 * (it binds an ephemeral port), so tests can run in parallel.
 */
public final class TestDnsServer implements AutoCloseable {
    /** The TTL for master-file lines that give none. */
    public static final long DEFAULT_TTL = 300;
    private static final int PLAIN_UDP_LIMIT = 512; // RFC 1035 section 4.2.1
    private static final int EDNS_PAYLOAD = 1232;   // what the server itself offers in its OPT record

    /** One query as received: the question's name and type, and whether it came over TCP. */
    public record Query(Name name, int type, boolean tcp) {
        @Override
        public String toString() {
            return name + "/" + Type.string(type) + (tcp ? " tcp" : " udp");
        }
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
    private final Map<Name, Integer> forcedRcodes = new ConcurrentHashMap<>();
    private final Set<Name> dropped = ConcurrentHashMap.newKeySet();
    private final Set<Name> truncated = ConcurrentHashMap.newKeySet();
    private final Set<Name> droppedOverTcp = ConcurrentHashMap.newKeySet();
    private final Map<Name, TestZone> zones = new ConcurrentHashMap<>();
    private final List<Query> queries = new CopyOnWriteArrayList<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        Thread.ofVirtual().name("test-dns-udp-" + port()).start(this::serveUdp);
        Thread.ofVirtual().name("test-dns-tcp-" + port()).start(this::acceptTcp);
    }

    /** Starts a server on 127.0.0.1, UDP and TCP on the same ephemeral port. */
    public static TestDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        // The kernel picks a free UDP port; the same TCP port is usually free too, but may not be: try again.
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            ServerSocket tcp = new ServerSocket();
            try {
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                return new TestDnsServer(udp, tcp);
            } catch (BindException e) {
                last = e;
                tcp.close();
                udp.close();
            }
        }
        throw last;
    }

    /** The address and port to give a resolver. */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    public int port() {
        return udp.getLocalPort();
    }

    /**
     * Adds records, each argument in master-file syntax (RFC 1035 section 5): one record a line, or several lines
     * with {@code $ORIGIN} and {@code $TTL}. Names without a final dot are relative to the root unless an
     * {@code $ORIGIN} says otherwise; TTL and class may be left out.
     */
    public TestDnsServer add(String... masterText) {
        for (String text : masterText) {
            for (Record r : parse(text)) {
                records.computeIfAbsent(r.getName(), n -> new CopyOnWriteArrayList<>()).add(r);
            }
        }
        return this;
    }

    /**
     * Declares a DNSSEC-signed zone at {@code apex} with new keys: its SOA (unless the test adds one) and DNSKEY
     * records are added, and answers to DO queries for names in it are signed. A signed parent zone publishes its DS.
     */
    public TestZone signedZone(String apex) {
        return declare(TestZone.signed(name(apex)));
    }

    /**
     * Declares an unsigned zone at {@code apex}: its SOA (unless the test adds one) is added, and under a signed
     * parent it is a delegation without DS, which validators prove insecure (RFC 4035 section 5.2).
     */
    public TestZone unsignedZone(String apex) {
        return declare(TestZone.unsigned(name(apex)));
    }

    private TestZone declare(TestZone zone) {
        List<Record> atApex = records.computeIfAbsent(zone.apex(), n -> new CopyOnWriteArrayList<>());
        if (atApex.stream().noneMatch(r -> r.getType() == Type.SOA)) {
            atApex.add(zone.defaultSoa());
        }
        if (zone.signed()) {
            atApex.addAll(List.of(zone.dnskeys()));
        }
        zones.put(zone.apex(), zone);
        return zone;
    }

    /** Removes every record of {@code name} (all types). */
    public TestDnsServer remove(String name) {
        records.remove(name(name));
        return this;
    }

    /** Answers every query for {@code name} with SERVFAIL. */
    public TestDnsServer servfail(String name) {
        return respond(name, Rcode.SERVFAIL);
    }

    /** Answers every query for {@code name} with this response code and no records (e.g. {@link Rcode#REFUSED}). */
    public TestDnsServer respond(String name, int rcode) {
        forcedRcodes.put(name(name), rcode);
        return this;
    }

    /** Never answers a query for {@code name}, over UDP or TCP: the client times out. */
    public TestDnsServer drop(String name) {
        dropped.add(name(name));
        return this;
    }

    /** Answers queries for {@code name} over UDP with TC set and no records; over TCP in full. */
    public TestDnsServer truncate(String name) {
        truncated.add(name(name));
        return this;
    }

    /** Never answers a query for {@code name} over TCP; with {@link #truncate} the client can get no answer at all. */
    public TestDnsServer dropTcp(String name) {
        droppedOverTcp.add(name(name));
        return this;
    }

    /** Removes every fault set for {@code name}. */
    public TestDnsServer heal(String name) {
        Name n = name(name);
        forcedRcodes.remove(n);
        dropped.remove(n);
        truncated.remove(n);
        droppedOverTcp.remove(n);
        return this;
    }

    /** Every query received so far, in order of arrival. */
    public List<Query> queries() {
        return List.copyOf(queries);
    }

    /** The queries received so far for one name (any type, any transport). */
    public List<Query> queries(String name) {
        Name n = name(name);
        return queries.stream().filter(q -> q.name().equals(n)).toList();
    }

    /**
     * Waits until at least {@code count} queries for {@code name} have arrived (at most 10 s), then returns them
     * all. A client that gave up on a query may return before the server has even read it: a test that counts
     * queries after a time-out waits here rather than reading {@link #queries(String)} at once.
     */
    public List<Query> awaitQueries(String name, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Query> received = queries(name);
        while (received.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
            received = queries(name);
        }
        return received;
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing: nothing to do
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static List<Record> parse(String text) {
        List<Record> parsed = new ArrayList<>();
        try (Master master = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Name.root, DEFAULT_TTL)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                parsed.add(r);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a master-file record: " + text + " (" + e.getMessage() + ")", e);
        }
        return parsed;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                byte[] reply = handle(Arrays.copyOf(packet.getData(), packet.getLength()), false);
                if (reply != null) {
                    udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // one malformed datagram, or a client gone away: keep serving
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.add(s);
            Thread.ofVirtual().name("test-dns-tcp-conn").start(() -> serveTcp(s));
        }
    }

    /** RFC 1035 section 4.2.2 (and RFC 7766): messages over TCP carry a two-octet length prefix. */
    private void serveTcp(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (!closed) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] reply = handle(query, true);
                if (reply != null) {
                    out.writeShort(reply.length);
                    out.write(reply);
                    out.flush();
                }
            }
        } catch (EOFException | SocketException e) {
            // the client closed the connection, or the server is closing
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            connections.remove(s);
        }
    }

    /** The wire reply to one wire query, or null for no reply at all. */
    private byte[] handle(byte[] wire, boolean overTcp) throws IOException {
        Message query = new Message(wire);
        Record question = query.getQuestion();
        if (question == null || query.getHeader().getFlag(Flags.QR)) {
            return null; // not a query: ignore, as servers do
        }
        Name name = question.getName();
        queries.add(new Query(name, question.getType(), overTcp));
        if (dropped.contains(name) || (overTcp && droppedOverTcp.contains(name))) {
            return null;
        }
        Message response = answer(query, question, overTcp);
        if (overTcp) {
            return response.toWire(Message.MAXLENGTH);
        }
        OPTRecord opt = query.getOPT();
        int limit = opt == null ? PLAIN_UDP_LIMIT : Math.max(PLAIN_UDP_LIMIT, opt.getPayloadSize());
        return response.toWire(limit); // sets TC when the records do not fit (RFC 2181 section 9)
    }

    private Message answer(Message query, Record question, boolean overTcp) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setOpcode(Opcode.QUERY);
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD); // RFC 1035 section 4.1.1: RD is copied into the response
        }
        response.addRecord(question, Section.QUESTION);
        if (query.getOPT() != null) {
            // RFC 6891 section 6.1.1; the DO bit is copied into the response (RFC 3225 section 3)
            response.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0, wantsDnssec(query) ? ExtendedFlags.DO : 0),
                    Section.ADDITIONAL);
        }
        Name name = question.getName();
        int type = question.getType();
        Integer forced = forcedRcodes.get(name);
        if (forced != null) {
            response.getHeader().setRcode(forced);
            return response;
        }
        if (!overTcp && truncated.contains(name)) {
            response.getHeader().setFlag(Flags.TC);
            return response;
        }
        if (wantsDnssec(query)) {
            new DnssecAnswers(records, zones.values()).answer(response, name, type);
            return response;
        }
        List<Record> atName = records.getOrDefault(name, List.of());
        if (atName.isEmpty()) {
            if (!hasDescendant(name)) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            return response;
        }
        List<Record> alias = atName.stream().filter(r -> r instanceof CNAMERecord).toList();
        List<Record> data = !alias.isEmpty() && type != Type.CNAME && type != Type.ANY
                ? alias
                : atName.stream().filter(r -> type == Type.ANY || r.getType() == type).toList();
        for (Record r : data) {
            response.addRecord(r, Section.ANSWER);
        }
        return response;
    }

    /** The DO bit (RFC 3225): the client wants RRSIG and NSEC records. */
    private static boolean wantsDnssec(Message query) {
        OPTRecord opt = query.getOPT();
        return opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0;
    }

    private boolean hasDescendant(Name name) {
        for (Name owner : records.keySet()) {
            if (!owner.equals(name) && owner.subdomain(name)) {
                return true;
            }
        }
        return false;
    }
}
