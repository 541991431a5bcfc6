package dev.mailroom.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * How {@link TestDnsServer} answers a query that asks for DNSSEC records (the DO bit, RFC 3225): as a recursive
 * resolver would pass on the answers of the authoritative servers of its {@link TestZone}s.
 *
 * <ul>
 *   <li>Each name belongs to the deepest zone whose apex it is at or under, except that a DS query for a zone's apex
 *       is answered by the parent zone (RFC 4035 section 3.1.4.1). A name under no declared zone belongs to an
 *       unsigned zone at its top-level label.</li>
 *   <li>Positive answers carry each RRset's RRSIG when the zone is signed; CNAME chains are followed, each link
 *       signed by its own zone (RFC 4035 section 3.1.1).</li>
 *   <li>Negative answers carry the zone's SOA (RFC 2308 section 3), and in a signed zone the NSEC records that prove
 *       them (RFC 4035 section 3.1.3): the NSEC of the name for NODATA, the NSECs covering the name and the wildcard
 *       at its closest encloser for NXDOMAIN. The NSEC chain is built from the zone's names in canonical order
 *       (RFC 4034 section 6.1); a child zone's apex is a delegation point in it, with NS (and DS when the child is
 *       signed) in its type bitmap, so that "no DS" is provable.</li>
 *   <li>The parent of a signed child zone publishes the child's DS record.</li>
 * </ul>
 */
final class DnssecAnswers {
    private final Map<Name, List<Record>> records;
    private final Collection<TestZone> zones;

    DnssecAnswers(Map<Name, List<Record>> records, Collection<TestZone> zones) {
        this.records = records;
        this.zones = zones;
    }

    /** Fills in the answer and authority sections and the response code for one question. */
    void answer(Message response, Name qname, int qtype) {
        Name current = qname;
        Set<Name> seen = new HashSet<>();
        while (seen.add(current)) {
            TestZone zone = zoneOf(current, qtype);
            List<Record> here = recordsIn(zone, current);
            List<Record> alias = ofType(here, Type.CNAME);
            if (!alias.isEmpty() && qtype != Type.CNAME && qtype != Type.ANY) {
                addSigned(response, Section.ANSWER, zone, alias);
                current = ((CNAMERecord) alias.getFirst()).getTarget();
                continue; // a recursive resolver follows the chain (RFC 1034 section 4.3.2)
            }
            List<Record> data = qtype == Type.ANY ? here : ofType(here, qtype);
            if (!data.isEmpty()) {
                for (List<Record> rrset : byType(data).values()) {
                    addSigned(response, Section.ANSWER, zone, rrset);
                }
                return;
            }
            boolean exists = !here.isEmpty() || owners(zone).contains(current) || hasDescendant(zone, current);
            if (!exists) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            denial(response, zone, current, exists);
            return;
        }
        // a CNAME loop: what a resolver gives up with
        response.getHeader().setRcode(Rcode.SERVFAIL);
    }

    /** The SOA and, in a signed zone, the NSEC records proving that nothing of the asked type exists. */
    private void denial(Message response, TestZone zone, Name name, boolean exists) {
        List<Record> soa = ofType(recordsIn(zone, zone.apex()), Type.SOA);
        addSigned(response, Section.AUTHORITY, zone, soa.isEmpty() ? List.of(zone.defaultSoa()) : soa);
        if (!zone.signed()) {
            return;
        }
        TreeSet<Name> owners = owners(zone);
        Set<Name> proofs = new LinkedHashSet<>();
        if (exists) {
            // NODATA: the name's own NSEC, or for an empty non-terminal the NSEC covering it (RFC 4035 3.1.3.2)
            proofs.add(owners.contains(name) ? name : covering(owners, name));
        } else {
            // NXDOMAIN: no such name, and no wildcard at the closest encloser that could have made it (RFC 4035 3.1.3.2)
            proofs.add(covering(owners, name));
            proofs.add(covering(owners, wildcard(closestEncloser(zone, owners, name))));
        }
        for (Name owner : proofs) {
            addSigned(response, Section.AUTHORITY, zone, List.of(nsec(zone, owners, owner)));
        }
    }

    private NSECRecord nsec(TestZone zone, TreeSet<Name> owners, Name owner) {
        Name next = owners.higher(owner);
        Set<Integer> types = new TreeSet<>();
        if (isChildApex(zone, owner)) {
            types.add(Type.NS); // a delegation point (RFC 4035 section 2.3: only NS, DS, NSEC and RRSIG there)
        }
        for (Record r : recordsIn(zone, owner)) {
            types.add(r.getType());
        }
        types.add(Type.RRSIG);
        types.add(Type.NSEC);
        return new NSECRecord(owner, DClass.IN, TestZone.TTL, next == null ? zone.apex() : next,
                types.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The owner whose NSEC covers {@code name}: the last owner before it in canonical order (RFC 4034 6.1). */
    private static Name covering(TreeSet<Name> owners, Name name) {
        Name before = owners.lower(name);
        return before == null ? owners.last() : before;
    }

    /** The deepest existing ancestor of a name that does not exist (RFC 4592 section 3.3.1). */
    private Name closestEncloser(TestZone zone, TreeSet<Name> owners, Name name) {
        for (int strip = 1; strip < name.labels(); strip++) {
            Name ancestor = new Name(name, strip);
            if (owners.contains(ancestor) || hasDescendant(zone, ancestor) || ancestor.equals(zone.apex())) {
                return ancestor;
            }
        }
        return zone.apex();
    }

    private static Name wildcard(Name encloser) {
        try {
            return Name.fromString("*", encloser);
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Every name with records in the zone, its apex and the delegation points of its child zones. */
    private TreeSet<Name> owners(TestZone zone) {
        TreeSet<Name> owners = new TreeSet<>();
        owners.add(zone.apex());
        for (Name owner : records.keySet()) {
            if (owner.subdomain(zone.apex()) && (same(zoneOf(owner, Type.A), zone) || isChildApex(zone, owner))) {
                owners.add(owner);
            }
        }
        for (TestZone child : zones) {
            if (isChildApex(zone, child.apex())) {
                owners.add(child.apex());
            }
        }
        return owners;
    }

    private boolean hasDescendant(TestZone zone, Name name) {
        for (Name owner : owners(zone)) {
            if (!owner.equals(name) && owner.subdomain(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The records of {@code name} that {@code zone} is authoritative for: at a child zone's apex only the DS
     * records, which the parent publishes (RFC 4035 section 2.4), the child's own DS when it is signed.
     */
    private List<Record> recordsIn(TestZone zone, Name name) {
        List<Record> all = records.getOrDefault(name, List.of());
        if (!isChildApex(zone, name)) {
            return all;
        }
        List<Record> ds = new ArrayList<>(ofType(all, Type.DS));
        if (ds.isEmpty()) {
            zones.stream().filter(z -> z.apex().equals(name) && z.signed()).findFirst().ifPresent(z -> ds.add(z.ds()));
        }
        return ds;
    }

    private boolean isChildApex(TestZone zone, Name name) {
        if (name.equals(zone.apex()) || !name.subdomain(zone.apex())) {
            return false;
        }
        return zones.stream().anyMatch(z -> z.apex().equals(name) && same(zoneOf(name, Type.DS), zone));
    }

    /** The zone authoritative for {@code name}/{@code type}; the parent for a DS query at a zone's apex. */
    private TestZone zoneOf(Name name, int type) {
        TestZone best = null;
        for (TestZone z : zones) {
            boolean inside = name.subdomain(z.apex()) && !(type == Type.DS && name.equals(z.apex()));
            if (inside && (best == null || z.apex().labels() > best.apex().labels())) {
                best = z;
            }
        }
        if (best != null) {
            return best;
        }
        // No declared zone: an unsigned zone at the top-level label, so that a negative answer still has its SOA
        // (a validator cannot call an answer insecure without an RRset to find the zone by).
        Name top = name.labels() > 1 ? new Name(name, name.labels() - 2) : Name.root;
        return TestZone.unsigned(top);
    }

    /** Zones are the same when their apexes are (the implicit unsigned zones are made afresh each time). */
    private static boolean same(TestZone a, TestZone b) {
        return a.apex().equals(b.apex());
    }

    private static void addSigned(Message response, int section, TestZone zone, List<Record> rrsetRecords) {
        RRset rrset = new RRset();
        for (Record r : rrsetRecords) {
            rrset.addRR(r);
        }
        for (Record r : rrset.rrs(false)) {
            response.addRecord(r, section);
        }
        RRSIGRecord sig = zone.sign(rrset);
        if (sig != null) {
            response.addRecord(sig, section);
        }
    }

    private static List<Record> ofType(List<Record> list, int type) {
        return list.stream().filter(r -> r.getType() == type).toList();
    }

    private static Map<Integer, List<Record>> byType(List<Record> list) {
        Map<Integer, List<Record>> out = new LinkedHashMap<>();
        for (Record r : list) {
            out.computeIfAbsent(r.getType(), t -> new ArrayList<>()).add(r);
        }
        return out;
    }
}
