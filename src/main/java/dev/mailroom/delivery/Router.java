package dev.mailroom.delivery;

import dev.mailroom.address.Mailbox;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides the {@link Destination} of each recipient (Postfix's trivial-rewrite): local delivery for the local
 * domains when it is on, then a static route for the domain, then the smarthost when one is configured for all
 * remote mail, else the domain's MX hosts.
 *
 * @param localDomains  lower case; delivered locally when {@code deliverLocally}
 * @param routes        domain (lower case) to static destination
 * @param useSmarthost  send everything without a static route to the smarthost
 */
public record Router(Set<String> localDomains, boolean deliverLocally, Map<String, Destination.Host> routes,
                     boolean useSmarthost) {
    public Router {
        localDomains = Set.copyOf(localDomains);
        routes = Map.copyOf(routes);
    }

    public Destination route(Mailbox recipient) {
        String domain = recipient.domain().toLowerCase(Locale.ROOT);
        if (deliverLocally && localDomains.contains(domain)) {
            return new Destination.Local();
        }
        Destination.Host route = routes.get(domain);
        if (route != null) {
            return route;
        }
        return useSmarthost ? new Destination.Smarthost() : new Destination.Mx(domain);
    }
}
